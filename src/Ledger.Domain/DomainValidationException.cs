namespace Ledger.Domain;

/// <summary>A value failed validation: <see cref="Field"/> names what was wrong, <see cref="Reason"/> says why.</summary>
public sealed class DomainValidationException : Exception
{
    public DomainValidationException()
        : this("value", "invalid value")
    {
    }

    public DomainValidationException(string message)
        : this("value", message)
    {
    }

    public DomainValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "value";
        Reason = message;
    }

    public DomainValidationException(string field, string reason)
        : base($"{field}: {reason}")
    {
        Field = field;
        Reason = reason;
    }

    /// <summary>The field (or identifier kind) that failed, e.g. <c>snils</c>.</summary>
    public string Field { get; }

    /// <summary>A precise human-readable reason, e.g. <c>check number is 96, expected 95</c>.</summary>
    public string Reason { get; }
}
