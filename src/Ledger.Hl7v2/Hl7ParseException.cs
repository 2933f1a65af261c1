namespace Ledger.Hl7v2;

/// <summary>What went wrong, so that the transport can pick its answer (HTTP status, ACK code).</summary>
public enum Hl7ErrorKind
{
    /// <summary>The bytes are not a well-formed ER7 message (framing, MSH, separators, segment names).</summary>
    Malformed,

    /// <summary>The bytes cannot be decoded in the declared or detected character set.</summary>
    Encoding,

    /// <summary>A size limit from <see cref="Hl7ParserOptions"/> was exceeded (HTTP 413).</summary>
    Limit,

    /// <summary>Message type, trigger event, version or character set not supported (ACK AR).</summary>
    Unsupported,

    /// <summary>Well-formed but the content is invalid for what the message is read as, e.g. an ORU^R01 lab result (ACK AE).</summary>
    Invalid,
}

/// <summary>
/// The only exception the HL7 v2 parser and ACK builder throw for bad input, and the one a mapper of parsed messages
/// throws for content it cannot read. Carries the location
/// (segment name, its 1-based position in the message counting non-empty segments with MSH = 1, the field
/// number) and an HL7 table 0357 error code for the ERR segment.
/// </summary>
public sealed class Hl7ParseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public Hl7ParseException(
        Hl7ErrorKind kind, string reason, string? segmentName = null, int? segmentIndex = null,
        int? fieldNumber = null, int? errorCode = null)
        : base(Format(reason, segmentName, segmentIndex, fieldNumber))
    {
        Kind = kind;
        Reason = reason;
        SegmentName = segmentName;
        SegmentIndex = segmentIndex;
        FieldNumber = fieldNumber;
        ErrorCode = errorCode ?? DefaultCode(kind);
    }

    /// <summary>Creates a generic exception (kept for the standard exception constructors' shape).</summary>
    public Hl7ParseException()
        : this(Hl7ErrorKind.Malformed, "malformed HL7 v2 message")
    {
    }

    /// <summary>Creates a generic malformed-message exception.</summary>
    public Hl7ParseException(string message)
        : this(Hl7ErrorKind.Malformed, message)
    {
    }

    /// <summary>Creates a generic malformed-message exception with an inner exception.</summary>
    public Hl7ParseException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = Hl7ErrorKind.Malformed;
        Reason = message;
        ErrorCode = DefaultCode(Kind);
    }

    /// <summary>The error category.</summary>
    public Hl7ErrorKind Kind { get; }

    /// <summary>Human-readable reason without the location.</summary>
    public string Reason { get; }

    /// <summary>Segment id (e.g. <c>OBX</c>), or the bad name as sent; null when not tied to a segment.</summary>
    public string? SegmentName { get; }

    /// <summary>1-based position of the segment in the message (MSH = 1), empty segments not counted.</summary>
    public int? SegmentIndex { get; }

    /// <summary>1-based field number (MSH-1 is the field separator), null for segment-level errors.</summary>
    public int? FieldNumber { get; }

    /// <summary>HL7 table 0357 code: 100 segment sequence, 101 required field missing, 102 data type error,
    /// 103 table value not found, 200 unsupported message type, 201 unsupported event, 203 unsupported
    /// version, 207 application internal error (limits, encodings).</summary>
    public int ErrorCode { get; }

    /// <summary>The acknowledgment code this error calls for: AR for unsupported content or limits, AE otherwise.</summary>
    public AckCode AckCode => Kind is Hl7ErrorKind.Unsupported or Hl7ErrorKind.Limit ? AckCode.AR : AckCode.AE;

    private static int DefaultCode(Hl7ErrorKind kind) => kind switch
    {
        Hl7ErrorKind.Malformed => 102,
        Hl7ErrorKind.Invalid => 102,
        Hl7ErrorKind.Unsupported => 200,
        _ => 207,
    };

    private static string Format(string reason, string? segment, int? index, int? field)
    {
        if (segment is null && index is null)
        {
            return reason;
        }

        var where = field is null ? $"{segment}[{index}]" : $"{segment}[{index}]-{field}";
        return $"{where}: {reason}";
    }
}
