using NodaTime;

namespace Ledger.Hl7v2;

/// <summary>
/// HL7 DTM/TS: <c>YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]</c>. Missing parts are taken as the start of
/// the period (month 1, day 1, 00:00:00). Without an offset the caller's default offset applies
/// (<see cref="Hl7ParserOptions.DefaultOffset"/>). In TS the second component (degree of precision) is ignored.
/// </summary>
public static class Hl7DateTime
{
    /// <summary>Parses <paramref name="text"/>; returns false with a reason when it is not a valid DTM.</summary>
    public static bool TryParse(string text, Offset defaultOffset, out Instant instant, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        instant = default;
        var s = text.AsSpan().Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits is not (4 or 6 or 8 or 10 or 12 or 14))
        {
            error = $"'{text}' is not an HL7 date/time (YYYY[MM[DD[HH[MM[SS]]]]] expected)";
            return false;
        }

        var rest = s[digits..];
        var fractionTicks = 0L;
        if (rest.Length > 0 && rest[0] == '.')
        {
            var f = 1;
            while (f < rest.Length && char.IsAsciiDigit(rest[f]))
            {
                f++;
            }

            if (digits != 14 || f == 1 || f > 5)
            {
                error = $"'{text}' has a fraction of a second that is not 1 to 4 digits after the seconds";
                return false;
            }

            var frac = rest[1..f];
            fractionTicks = int.Parse(frac, provider: System.Globalization.CultureInfo.InvariantCulture)
                * Pow10(7 - frac.Length);
            rest = rest[f..];
        }

        var offset = defaultOffset;
        if (rest.Length > 0)
        {
            if (rest.Length != 5 || rest[0] is not ('+' or '-') || !IsDigits(rest[1..]))
            {
                error = $"'{text}' has an invalid time zone offset (+/-HHMM expected)";
                return false;
            }

            var oh = Num(rest, 1, 2);
            var om = Num(rest, 3, 2);
            if (oh > 14 || om > 59)
            {
                error = $"'{text}' has an out-of-range time zone offset";
                return false;
            }

            var seconds = ((oh * 3600) + (om * 60)) * (rest[0] == '-' ? -1 : 1);
            offset = Offset.FromSeconds(seconds);
        }

        var year = Num(s, 0, 4);
        var month = digits >= 6 ? Num(s, 4, 2) : 1;
        var day = digits >= 8 ? Num(s, 6, 2) : 1;
        var hour = digits >= 10 ? Num(s, 8, 2) : 0;
        var minute = digits >= 12 ? Num(s, 10, 2) : 0;
        var second = digits >= 14 ? Num(s, 12, 2) : 0;
        error = year < 1 ? "year 0000"
            : month is < 1 or > 12 ? $"month {month}"
            : day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month) ? $"day {day}"
            : hour > 23 ? $"hour {hour}"
            : minute > 59 ? $"minute {minute}"
            : second > 59 ? $"second {second}"
            : null;
        if (error is not null)
        {
            error = $"'{text}' is not a valid date/time: {error} is out of range";
            return false;
        }

        var local = new LocalDateTime(year, month, day, hour, minute, second).PlusTicks(fractionTicks);
        instant = local.WithOffset(offset).ToInstant();
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static int Num(ReadOnlySpan<char> s, int start, int length)
    {
        var v = 0;
        for (var i = start; i < start + length; i++)
        {
            v = (v * 10) + (s[i] - '0');
        }

        return v;
    }

    private static long Pow10(int n)
    {
        var v = 1L;
        for (var i = 0; i < n; i++)
        {
            v *= 10;
        }

        return v;
    }
}
