using System.Text;

namespace Ledger.Hl7v2;

/// <summary>A parsed HL7 v2 message: its segments in order, delimiters and character set.</summary>
public sealed class Hl7Message
{
    internal Hl7Message(IReadOnlyList<Hl7Segment> segments, Hl7Separators separators, Encoding charset)
    {
        Segments = segments;
        Separators = separators;
        Charset = charset;
    }

    /// <summary>Non-empty segments in message order; <c>Segments[0]</c> is MSH.</summary>
    public IReadOnlyList<Hl7Segment> Segments { get; }

    /// <summary>Delimiters from MSH-1/MSH-2.</summary>
    public Hl7Separators Separators { get; }

    /// <summary>Character set used to decode the bytes (MSH-18, or detected).</summary>
    public Encoding Charset { get; }

    /// <summary>The MSH segment.</summary>
    public Hl7Segment Header => Segments[0];

    /// <summary>MSH-9.1 message code, e.g. <c>ORU</c>.</summary>
    public string? MessageCode => Header.Field(9).Component(1).ValueOrNull;

    /// <summary>MSH-9.2 trigger event, e.g. <c>R01</c>.</summary>
    public string? TriggerEvent => Header.Field(9).Component(2).ValueOrNull;

    /// <summary>MSH-10 message control id.</summary>
    public string? ControlId => Header.Field(10).ValueOrNull;

    /// <summary>MSH-11 processing id.</summary>
    public string? ProcessingId => Header.Field(11).Component(1).ValueOrNull;

    /// <summary>MSH-12 version id, e.g. <c>2.5.1</c>.</summary>
    public string? Version => Header.Field(12).Component(1).ValueOrNull;

    /// <summary>MSH-18 character set as sent (first repetition).</summary>
    public string? CharacterSet => Header.Field(18).Component(1).ValueOrNull;

    /// <summary>The <paramref name="occurrence"/>-th (0-based) segment named <paramref name="name"/>, or null.</summary>
    public Hl7Segment? Get(string name, int occurrence = 0)
    {
        var seen = 0;
        foreach (var s in Segments)
        {
            if (s.Name == name && seen++ == occurrence)
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>All segments named <paramref name="name"/>, in order.</summary>
    public IEnumerable<Hl7Segment> All(string name) => Segments.Where(s => s.Name == name);
}
