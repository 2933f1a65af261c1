namespace Ledger.Domain.Identifiers;

/// <summary>Shared helpers for identifiers that are strings of digits.</summary>
internal static class DigitText
{
    /// <summary>
    /// Removes spaces and dashes and checks that what is left is only digits, of one of the allowed lengths.
    /// </summary>
    public static bool TryNormalize(string? text, string what, ReadOnlySpan<int> lengths, out string digits, out string reason)
    {
        digits = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            reason = $"{what} is empty";
            return false;
        }

        var buffer = new System.Text.StringBuilder(text.Length);
        foreach (var c in text.Trim())
        {
            if (c is ' ' or '-' or '\u00A0')
            {
                continue;
            }

            if (c is < '0' or > '9')
            {
                reason = $"{what} contains '{c}'; only digits, spaces and dashes are allowed";
                return false;
            }

            buffer.Append(c);
        }

        foreach (var length in lengths)
        {
            if (buffer.Length == length)
            {
                digits = buffer.ToString();
                reason = string.Empty;
                return true;
            }
        }

        var expected = lengths.Length == 1 ? $"{lengths[0]}" : string.Join(" or ", lengths.ToArray());
        reason = $"{what} has {buffer.Length} digits, expected {expected}";
        return false;
    }

    public static int Digit(string digits, int index) => digits[index] - '0';

    /// <summary>Sum of digit[i] × weights[i] over the first weights.Length digits.</summary>
    public static int WeightedSum(string digits, ReadOnlySpan<int> weights)
    {
        var sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += Digit(digits, i) * weights[i];
        }

        return sum;
    }
}
