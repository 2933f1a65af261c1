using System.Globalization;
using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

public enum OgrnKind
{
    /// <summary>ОГРН of a legal entity: 13 digits.</summary>
    LegalEntity,

    /// <summary>ОГРНИП of an individual entrepreneur: 15 digits.</summary>
    IndividualEntrepreneur,
}

/// <summary>
/// ОГРН (13 digits: the first 12 as a number mod 11, last digit of the remainder = 13th digit) or ОГРНИП
/// (15 digits: the first 14 mod 13, last digit of the remainder = 15th digit).
/// </summary>
[JsonConverter(typeof(StringValueJsonConverter<Ogrn>))]
public sealed record Ogrn : IStringValue<Ogrn>
{
    private Ogrn(string digits) => Digits = digits;

    public string Digits { get; }

    public OgrnKind Kind => Digits.Length == 13 ? OgrnKind.LegalEntity : OgrnKind.IndividualEntrepreneur;

    public static bool TryParse(string? text, [NotNullWhen(true)] out Ogrn? ogrn, out string reason)
    {
        ogrn = null;
        if (!DigitText.TryNormalize(text, "ОГРН", [13, 15], out var digits, out reason))
        {
            return false;
        }

        var expected = CheckDigit(digits);
        var actual = DigitText.Digit(digits, digits.Length - 1);
        if (actual != expected)
        {
            var what = digits.Length == 13 ? "ОГРН" : "ОГРНИП";
            reason = $"{what} check digit is {actual}, expected {expected}";
            return false;
        }

        ogrn = new Ogrn(digits);
        return true;
    }

    public static Ogrn Parse(string text) =>
        TryParse(text, out var ogrn, out var reason) ? ogrn : throw new DomainValidationException("ogrn", reason);

    public override string ToString() => Digits;

    private static int CheckDigit(string digits)
    {
        var body = long.Parse(digits.AsSpan(0, digits.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture);
        var modulus = digits.Length == 13 ? 11 : 13;
        return (int)(body % modulus % 10);
    }
}
