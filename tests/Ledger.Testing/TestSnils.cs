using System.Globalization;

namespace Ledger.Testing;

/// <summary>Valid СНИЛС numbers for tests and benchmarks.</summary>
public static class TestSnils
{
    /// <summary>
    /// The СНИЛС whose first nine digits are <paramref name="number"/>, with its check number (numbers above
    /// 001-001-998 carry one: the digits weighted 9 down to 1, summed, taken modulo 101, 100 written as 00).
    /// </summary>
    public static string Of(int number)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1_001_999);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(number, 999_999_999);
        var digits = number.ToString("D9", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (digits[i] - '0') * (9 - i);
        }

        var check = sum < 100 ? sum : sum is 100 or 101 ? 0 : sum % 101 == 100 ? 0 : sum % 101;
        return digits + check.ToString("D2", CultureInfo.InvariantCulture);
    }
}
