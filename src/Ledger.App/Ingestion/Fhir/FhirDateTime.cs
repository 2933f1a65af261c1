using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// FHIR date, dateTime and instant. A value with a time must carry an offset (or Z), as FHIR requires; a date
/// without time (YYYY, YYYY-MM, YYYY-MM-DD) is the start of that period at the default offset.
/// </summary>
public static class FhirDateTime
{
    private static readonly OffsetDateTimePattern Full = OffsetDateTimePattern.ExtendedIso;

    /// <summary>Parses <paramref name="text"/>; false when it is not a valid FHIR date/dateTime/instant.</summary>
    public static bool TryParse(string text, Offset defaultOffset, out Instant instant)
    {
        ArgumentNullException.ThrowIfNull(text);
        instant = default;
        if (text.Contains('T', StringComparison.Ordinal))
        {
            var result = Full.Parse(text);
            if (!result.Success || text.Length < 20)
            {
                return false;
            }

            instant = result.Value.ToInstant();
            return true;
        }

        var parts = text.Split('-');
        if (parts.Length > 3 || parts[0].Length != 4 || parts.Skip(1).Any(p => p.Length != 2))
        {
            return false;
        }

        foreach (var p in parts)
        {
            if (!p.All(char.IsAsciiDigit))
            {
                return false;
            }
        }

        var year = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var month = parts.Length > 1 ? int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        var day = parts.Length > 2 ? int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) : 1;
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > CalendarSystem.Iso.GetDaysInMonth(year, month))
        {
            return false;
        }

        instant = new LocalDate(year, month, day).AtMidnight().WithOffset(defaultOffset).ToInstant();
        return true;
    }
}
