using System.Globalization;
using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>
/// СНИЛС, the insurance number of an individual personal account: 11 digits, the last two are a check number.
/// Written <c>112-233-445 95</c>.
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<Snils>))]
public sealed record Snils : IStringValue<Snils>
{
    /// <summary>Numbers up to this one (first nine digits) were issued before the check number existed.</summary>
    private const int LastUncheckedNumber = 1_001_998;

    private Snils(string digits) => Digits = digits;

    /// <summary>The 11 digits without separators.</summary>
    public string Digits { get; }

    public static bool TryParse(string? text, [NotNullWhen(true)] out Snils? snils, out string reason)
    {
        snils = null;
        if (!DigitText.TryNormalize(text, "СНИЛС", [11], out var digits, out reason))
        {
            return false;
        }

        var number = int.Parse(digits.AsSpan(0, 9), NumberStyles.None, CultureInfo.InvariantCulture);
        if (number > LastUncheckedNumber)
        {
            var expected = CheckNumber(digits);
            var actual = int.Parse(digits.AsSpan(9, 2), NumberStyles.None, CultureInfo.InvariantCulture);
            if (actual != expected)
            {
                reason = $"check number is {actual:00}, expected {expected:00}";
                return false;
            }
        }

        snils = new Snils(digits);
        return true;
    }

    public static Snils Parse(string text) =>
        TryParse(text, out var snils, out var reason) ? snils : throw new DomainValidationException("snils", reason);

    /// <summary>The check number of the first nine digits (weights 9…1; 100 and 101 give 00; above 101, mod 101).</summary>
    internal static int CheckNumber(string digits)
    {
        var sum = DigitText.WeightedSum(digits, [9, 8, 7, 6, 5, 4, 3, 2, 1]);
        if (sum < 100)
        {
            return sum;
        }

        if (sum is 100 or 101)
        {
            return 0;
        }

        var rest = sum % 101;
        return rest == 100 ? 0 : rest;
    }

    /// <summary>The normalized form <c>XXX-XXX-XXX YY</c>.</summary>
    public override string ToString() => $"{Digits[..3]}-{Digits[3..6]}-{Digits[6..9]} {Digits[9..]}";
}
