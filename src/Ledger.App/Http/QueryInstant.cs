using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Http;

/// <summary>
/// The bounds of a time range in a query string (<c>from</c>, <c>to</c>): an ISO-8601 instant
/// (<c>2026-03-01T10:00:00Z</c>, any offset) or an ISO date (<c>2026-03-01</c>, a UTC day). A date as the lower bound
/// is the start of its day; as the upper bound the end of it (the next day's start, exclusive), so
/// <c>from=2026-03-01&amp;to=2026-03-01</c> is that whole day.
/// </summary>
public static class QueryInstant
{
    public const string Expected = "an ISO date (2026-03-01) or instant (2026-03-01T10:00:00Z)";

    public static bool TryParse(string text, bool upperBound, out Instant instant)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (InstantPattern.ExtendedIso.Parse(text) is { Success: true } i)
        {
            instant = i.Value;
            return true;
        }

        if (OffsetDateTimePattern.ExtendedIso.Parse(text) is { Success: true } o)
        {
            instant = o.Value.ToInstant();
            return true;
        }

        if (LocalDatePattern.Iso.Parse(text) is { Success: true } d)
        {
            instant = (upperBound ? d.Value.PlusDays(1) : d.Value).AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
            return true;
        }

        return false;
    }
}
