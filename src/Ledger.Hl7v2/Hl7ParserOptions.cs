using NodaTime;

namespace Ledger.Hl7v2;

/// <summary>Limits and defaults for parsing and mapping. Exceeding a limit raises <see cref="Hl7ErrorKind.Limit"/>.</summary>
public sealed record Hl7ParserOptions
{
    /// <summary>Default options: 1 MiB, 10,000 segments, 64 KiB per field, 1,000 OBX, +03:00.</summary>
    public static Hl7ParserOptions Default { get; } = new();

    /// <summary>Largest accepted message in bytes, framing included.</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest number of non-empty segments.</summary>
    public int MaxSegments { get; init; } = 10_000;

    /// <summary>Largest field length in characters (after character-set decoding, before escape decoding).</summary>
    public int MaxFieldLength { get; init; } = 64 * 1024;

    /// <summary>Largest number of OBX segments.</summary>
    public int MaxObservations { get; init; } = 1_000;

    /// <summary>
    /// Offset applied to HL7 date/times sent without one. The default +03:00 is Moscow time, where the ledger's
    /// senders are; set it per sender when it differs.
    /// </summary>
    public Offset DefaultOffset { get; init; } = Offset.FromHours(3);
}
