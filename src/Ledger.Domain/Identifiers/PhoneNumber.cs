using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// A phone number in E.164: <c>+</c>, then 8–15 digits, the first not 0. Spaces, dashes, dots and parentheses are
/// removed when parsing.
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<PhoneNumber>))]
public sealed record PhoneNumber : IStringValue<PhoneNumber>
{
    private PhoneNumber(string e164) => E164 = e164;

    /// <summary>The normalized number, e.g. <c>+79161234567</c>.</summary>
    public string E164 { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out PhoneNumber? phone, out string reason)
    {
        phone = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = "phone number is empty";
            return false;
        }

        var compact = new string(text.Where(c => c is not (' ' or '-' or '(' or ')' or '.' or '\u00A0')).ToArray());
        if (!compact.StartsWith('+'))
        {
            reason = "phone number must start with '+' and the country code (E.164)";
            return false;
        }

        var digits = compact[1..];
        if (!digits.All(char.IsAsciiDigit))
        {
            reason = "phone number may contain only digits after '+'";
            return false;
        }

        if (digits.Length is < 8 or > 15)
        {
            reason = $"phone number has {digits.Length} digits, expected 8 to 15";
            return false;
        }

        if (digits[0] == '0')
        {
            reason = "country code cannot start with 0";
            return false;
        }

        phone = new PhoneNumber(compact);
        reason = string.Empty;
        return true;
    }

    public static PhoneNumber Parse(string text) =>
        TryParse(text, out var phone, out var reason) ? phone : throw new DomainValidationException("phone", reason);

    public override string ToString() => E164;
}
