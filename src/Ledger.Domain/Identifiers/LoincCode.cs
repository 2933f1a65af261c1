using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// A LOINC code <c>NNNNN-N</c>: 1–7 digits, a dash, and a Mod 10 (Luhn) check digit computed over the digits.
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<LoincCode>))]
public sealed record LoincCode : IStringValue<LoincCode>
{
    private LoincCode(string value) => Value = value;

    public string Value { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out LoincCode? code, out string reason)
    {
        code = null;
        var trimmed = text?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            reason = "LOINC code is empty";
            return false;
        }

        var dash = trimmed.IndexOf('-', StringComparison.Ordinal);
        if (dash < 1 || dash > 7 || dash != trimmed.Length - 2 || !trimmed.Remove(dash, 1).All(char.IsAsciiDigit))
        {
            reason = $"'{trimmed}' is not a LOINC code: expected 1 to 7 digits, a dash and a check digit";
            return false;
        }

        var body = trimmed[..dash];
        var expected = Mod10(body);
        var actual = trimmed[^1] - '0';
        if (actual != expected)
        {
            reason = $"check digit is {actual}, expected {expected}";
            return false;
        }

        code = new LoincCode(trimmed);
        reason = string.Empty;
        return true;
    }

    public static LoincCode Parse(string text) =>
        TryParse(text, out var code, out var reason) ? code : throw new DomainValidationException("loinc", reason);

    public override string ToString() => Value;

    /// <summary>Luhn: from the rightmost digit, multiply every other digit by two (starting with the rightmost), sum digits.</summary>
    private static int Mod10(string body)
    {
        var sum = 0;
        var doubleIt = true;
        for (var i = body.Length - 1; i >= 0; i--)
        {
            var d = body[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (10 - (sum % 10)) % 10;
    }
}
