namespace Ledger.Domain;

/// <summary>
/// A decision refused a command. <see cref="Code"/> is stable (e.g. <c>consent.until_before_from</c>) and is what
/// callers map to an error type; the message is for humans and may change.
/// </summary>
public sealed class DomainRejection : Exception
{
    public DomainRejection()
        : this("domain.rejected", "The command was rejected.")
    {
    }

    public DomainRejection(string message)
        : this("domain.rejected", message)
    {
    }

    public DomainRejection(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "domain.rejected";
    }

    public DomainRejection(string code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>The stable rejection code, <c>feature.reason</c> in snake case.</summary>
    public string Code { get; }
}
