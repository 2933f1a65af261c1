using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

public enum InnKind
{
    /// <summary>10 digits, one check digit.</summary>
    LegalEntity,

    /// <summary>12 digits, two check digits.</summary>
    Individual,
}

/// <summary>ИНН, the taxpayer number: 10 digits for a legal entity, 12 for an individual.</summary>
[JsonConverter(typeof(StringValueJsonConverter<Inn>))]
public sealed record Inn : IStringValue<Inn>
{
    private static readonly int[] Weights10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
    private static readonly int[] Weights11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
    private static readonly int[] Weights12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

    private Inn(string digits) => Digits = digits;

    public string Digits { get; }

    public InnKind Kind => Digits.Length == 10 ? InnKind.LegalEntity : InnKind.Individual;

    public static bool TryParse(string? text, [NotNullWhen(true)] out Inn? inn, out string reason)
    {
        inn = null;
        if (!DigitText.TryNormalize(text, "ИНН", [10, 12], out var digits, out reason))
        {
            return false;
        }

        if (digits.Length == 10)
        {
            if (!CheckDigit(digits, Weights10, 9, "check digit", out reason))
            {
                return false;
            }
        }
        else if (!CheckDigit(digits, Weights11, 10, "first check digit (11th)", out reason)
                 || !CheckDigit(digits, Weights12, 11, "second check digit (12th)", out reason))
        {
            return false;
        }

        inn = new Inn(digits);
        return true;
    }

    public static Inn Parse(string text) =>
        TryParse(text, out var inn, out var reason) ? inn : throw new DomainValidationException("inn", reason);

    public override string ToString() => Digits;

    private static bool CheckDigit(string digits, int[] weights, int position, string what, out string reason)
    {
        var expected = DigitText.WeightedSum(digits, weights) % 11 % 10;
        var actual = DigitText.Digit(digits, position);
        reason = actual == expected ? string.Empty : $"{what} is {actual}, expected {expected}";
        return actual == expected;
    }
}
