namespace Ledger.App.Ingestion;

/// <summary>What kind of answer a refused delivery gets.</summary>
public enum IngestionErrorKind
{
    /// <summary>The content is invalid (HL7 AE, HTTP 400).</summary>
    Invalid,

    /// <summary>A limit was exceeded (HL7 AR, HTTP 413).</summary>
    TooLarge,

    /// <summary>The ledger refuses the content (HL7 AE, HTTP 422).</summary>
    Rejected,
}

/// <summary>
/// A delivery that cannot be stored, with the field that is wrong (HL7 <c>SEG-n</c> or a FHIRPath) and why.
/// The reason never quotes a patient identifier or a clinical value.
/// </summary>
public sealed class IngestionError : Exception
{
    public IngestionError(IngestionErrorKind kind, string field, string reason, string? segment = null, int? fieldNumber = null)
        : base($"{field}: {reason}")
    {
        Kind = kind;
        Field = field;
        Reason = reason;
        Segment = segment;
        FieldNumber = fieldNumber;
    }

    public IngestionError()
        : this(IngestionErrorKind.Invalid, "", "invalid delivery")
    {
    }

    public IngestionError(string message)
        : this(IngestionErrorKind.Invalid, "", message)
    {
    }

    public IngestionError(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
        Reason = message;
    }

    public IngestionErrorKind Kind { get; }

    public string Field { get; }

    public string Reason { get; }

    /// <summary>The HL7 segment name for the ERR location, when the field is an HL7 one.</summary>
    public string? Segment { get; }

    public int? FieldNumber { get; }
}
