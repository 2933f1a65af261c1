using System.Globalization;

namespace Ledger.Hl7v2;

/// <summary>HL7 NM (numeric): an optional sign, digits and at most one decimal point, e.g. <c>-12.50</c>.</summary>
public static class Hl7Number
{
    /// <summary>
    /// Parses <paramref name="text"/> (surrounding whitespace allowed) as a decimal with the invariant culture;
    /// false for anything else (no exponent, no thousands separator, at least one digit).
    /// </summary>
    public static bool TryParse(string? text, out decimal value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var t = text.Trim();
        var digits = 0;
        for (var i = 0; i < t.Length; i++)
        {
            var c = t[i];
            if (char.IsAsciiDigit(c))
            {
                digits++;
            }
            else if (!(c == '.' || (i == 0 && c is '+' or '-')))
            {
                return false;
            }
        }

        return digits > 0
            && t.Count(c => c == '.') <= 1
            && decimal.TryParse(
                t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }
}
