namespace Ledger.Domain.Identifiers;

/// <summary>A value that is written as a string and read back with <see cref="Parse"/>.</summary>
public interface IStringValue<TSelf>
    where TSelf : IStringValue<TSelf>
{
    /// <summary>Parses the text; throws <see cref="DomainValidationException"/> when it is not valid.</summary>
    static abstract TSelf Parse(string text);
}
