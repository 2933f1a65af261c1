using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>An e-mail address: trimmed, one <c>@</c>, a dotted domain; the domain is lower-cased.</summary>
[JsonConverter(typeof(StringValueJsonConverter<Email>))]
public sealed record Email : IStringValue<Email>
{
    public const int MaxLength = 254;

    private Email(string address) => Address = address;

    public string Address { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out Email? email, out string reason)
    {
        email = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            reason = "e-mail is empty";
            return false;
        }

        reason = Check(trimmed);
        if (reason.Length > 0)
        {
            return false;
        }

        var at = trimmed.LastIndexOf('@');
        email = new Email(string.Concat(trimmed.AsSpan(0, at + 1), trimmed[(at + 1)..].ToLowerInvariant()));
        return true;
    }

    public static Email Parse(string text) =>
        TryParse(text, out var email, out var reason) ? email : throw new DomainValidationException("email", reason);

    public override string ToString() => Address;

    private static string Check(string text)
    {
        if (text.Length > MaxLength)
        {
            return $"e-mail is {text.Length} characters long, at most {MaxLength} allowed";
        }

        if (text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return "e-mail contains whitespace";
        }

        var at = text.LastIndexOf('@');
        if (at < 0 || text.IndexOf('@', StringComparison.Ordinal) != at)
        {
            return "e-mail must contain exactly one '@'";
        }

        if (at == 0 || at > 64)
        {
            return "the part before '@' must be 1 to 64 characters long";
        }

        var domain = text[(at + 1)..];
        var labels = domain.Split('.');
        if (labels.Length < 2 || labels.Any(l => l.Length == 0 || l.StartsWith('-') || l.EndsWith('-')))
        {
            return $"'{domain}' is not a valid mail domain";
        }

        return string.Empty;
    }
}
