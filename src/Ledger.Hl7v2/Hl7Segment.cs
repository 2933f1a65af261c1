using System.Text;

namespace Ledger.Hl7v2;

/// <summary>
/// One segment. Fields are located once at parse time (their start offsets); repetitions, components and
/// subcomponents are found on access without copying. Field numbering follows the standard: for MSH,
/// MSH-1 is the field separator and MSH-2 the encoding characters.
/// </summary>
public sealed class Hl7Segment
{
    private readonly int[] _starts;

    private Hl7Segment(string name, int index, string text, int[] starts, Hl7Separators separators, Encoding charset)
    {
        Name = name;
        Index = index;
        Text = text;
        _starts = starts;
        Separators = separators;
        Charset = charset;
    }

    /// <summary>Segment id, e.g. <c>OBX</c>.</summary>
    public string Name { get; }

    /// <summary>1-based position in the message (MSH = 1), empty segments not counted.</summary>
    public int Index { get; }

    /// <summary>The decoded segment text, without terminator.</summary>
    public string Text { get; }

    /// <summary>The message delimiters.</summary>
    public Hl7Separators Separators { get; }

    /// <summary>The message character set (for <c>\X..\</c> escapes).</summary>
    public Encoding Charset { get; }

    /// <summary>Number of the last field present (trailing empty fields included as sent).</summary>
    public int FieldCount => IsHeader ? _starts.Length : _starts.Length - 1;

    private bool IsHeader => Name == "MSH";

    /// <summary>Field <paramref name="number"/> (1-based); an empty element when absent.</summary>
    public Hl7Element Field(int number)
    {
        if (number < 1)
        {
            return Hl7Element.Empty(this);
        }

        if (IsHeader)
        {
            if (number == 1)
            {
                return new Hl7Element(this, 3, 1, Hl7Level.Field, literal: true);
            }

            if (number == 2)
            {
                var (s2, l2) = Piece(1);
                return new Hl7Element(this, s2, l2, Hl7Level.Field, literal: true);
            }

            number--;
        }

        if (number >= _starts.Length)
        {
            return Hl7Element.Empty(this);
        }

        var (s, l) = Piece(number);
        return new Hl7Element(this, s, l, Hl7Level.Field, literal: false);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    internal static Hl7Segment Create(
        string name, int index, string text, Hl7Separators separators, Encoding charset, int maxFieldLength)
    {
        var count = 1;
        foreach (var ch in text)
        {
            if (ch == separators.Field)
            {
                count++;
            }
        }

        var starts = new int[count];
        var k = 1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == separators.Field)
            {
                starts[k++] = i + 1;
            }
        }

        var segment = new Hl7Segment(name, index, text, starts, separators, charset);
        for (var p = 1; p < starts.Length; p++)
        {
            var (_, length) = segment.Piece(p);
            if (length > maxFieldLength)
            {
                var field = name == "MSH" ? p + 1 : p;
                throw new Hl7ParseException(
                    Hl7ErrorKind.Limit,
                    $"field is {length} characters long, more than the limit of {maxFieldLength}",
                    name, index, field, 207);
            }
        }

        return segment;
    }

    private (int Start, int Length) Piece(int p)
    {
        var start = _starts[p];
        var end = p + 1 < _starts.Length ? _starts[p + 1] - 1 : Text.Length;
        return (start, end - start);
    }
}
