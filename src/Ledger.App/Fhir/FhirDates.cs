using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Fhir;

/// <summary>
/// A FHIR date search value: a prefix (<c>eq</c> by default, <c>ge</c>, <c>gt</c>, <c>le</c>, <c>lt</c>) and a date of
/// year, month or day precision (UTC) or an instant with its offset. The value stands for the range it covers
/// (<c>2026-03</c> is March); <c>eq</c> matches inside it, <c>ge</c> from its start, <c>gt</c> from its end, <c>le</c>
/// before its end, <c>lt</c> before its start. Anything else is a 400 naming the parameter.
/// </summary>
public static class FhirDates
{
    public static (string Sql, Instant? From, Instant? To) Condition(string parameter, string value, string column, string name)
    {
        ArgumentNullException.ThrowIfNull(value);
        var prefix = value.Length > 2 && char.IsAsciiLetterLower(value[0]) && char.IsAsciiLetterLower(value[1]) ? value[..2] : "eq";
        var text = prefix == "eq" && !value.StartsWith("eq", StringComparison.Ordinal) ? value : value[2..];
        if (Range(text) is not { } range)
        {
            throw FhirProblem.BadParameter(parameter, "a date (yyyy, yyyy-MM, yyyy-MM-dd) or an instant with its offset (2026-03-02T09:00:00Z), after an optional prefix eq, ge, gt, le or lt");
        }

        var (start, end) = range;
        return prefix switch
        {
            "eq" => ($"({column} >= @{name}from AND {column} < @{name}to)", start, end),
            "ge" => ($"{column} >= @{name}from", start, null),
            "gt" => ($"{column} >= @{name}from", end, null),
            "le" => ($"{column} < @{name}to", null, end),
            "lt" => ($"{column} < @{name}to", null, start),
            _ => throw FhirProblem.BadParameter(parameter, $"the prefix {prefix} is not supported (eq, ge, gt, le, lt)"),
        };
    }

    /// <summary>The instants [start, end) a date or instant text covers; null when it is neither.</summary>
    public static (Instant Start, Instant End)? Range(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var invariant = CultureInfo.InvariantCulture;
        if (text.Length == 4 && int.TryParse(text, NumberStyles.None, invariant, out var year) && year >= 1)
        {
            var start = new LocalDate(year, 1, 1);
            return (Utc(start), Utc(start.PlusYears(1)));
        }

        if (text.Length == 7 && LocalDatePattern.CreateWithInvariantCulture("uuuu-MM").Parse(text) is { Success: true } month)
        {
            return (Utc(month.Value), Utc(month.Value.PlusMonths(1)));
        }

        if (text.Length == 10 && LocalDatePattern.Iso.Parse(text) is { Success: true } day)
        {
            return (Utc(day.Value), Utc(day.Value.PlusDays(1)));
        }

        foreach (var pattern in new[] { OffsetDateTimePattern.ExtendedIso, OffsetDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd'T'HH':'mmo<G>") })
        {
            if (pattern.Parse(text) is { Success: true } at)
            {
                var instant = at.Value.ToInstant();
                var time = text[11..];
                var offsetAt = time.IndexOfAny(['Z', '+', '-']);
                var precision = (offsetAt < 0 ? time : time[..offsetAt]).Count(c => c == ':') >= 2 ? Duration.FromSeconds(1) : Duration.FromMinutes(1);
                return (instant, instant + precision);
            }
        }

        return null;
    }

    private static Instant Utc(LocalDate date) => date.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();
}
