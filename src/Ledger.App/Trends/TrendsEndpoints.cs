using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.App.Trends;

public sealed record TrendPoint(decimal Value, decimal? Change, string? Flag, decimal? ReferenceLow, decimal? ReferenceHigh, string? ReferenceText, Guid DocumentId, Instant ObservedAt);

public sealed record TrendSeries(string Loinc, string Unit, string Name, IReadOnlyList<TrendPoint> Points);

public sealed record TrendResponse(string Loinc, string Period, IReadOnlyList<TrendSeries> Series);

/// <summary>One series the patient has: its LOINC code and unit, the analyte's name, how many values, and the latest.</summary>
public sealed record TrendAnalyte(string Loinc, string Name, string Unit, long Count, decimal LastValue, Instant LastObservedAt);

public sealed record TrendAnalytes(IReadOnlyList<TrendAnalyte> Items);

/// <summary>
/// <c>GET /api/v1/patients/me/trends</c>: the analytes that have a trend; <c>GET /api/v1/patients/me/trends/{loinc}?period=week|month|year|all</c>:
/// one analyte's series.
/// </summary>
public static class TrendsEndpoints
{
    public static void MapTrends(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/patients/me/trends", ListAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Trends")
            .WithName("listTrends").WithSummary("The analytes the caller has a trend of: code, name, unit, count, last value and date").Produces<TrendAnalytes>();
        routes.MapGet("/api/v1/patients/me/trends/{loinc}", QueryAsync)
            .RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Trends")
            .WithName("getTrend").WithSummary("The caller's values of one analyte over a period, one series per unit").Produces<TrendResponse>()
            .Parameters(new ApiParameter("period", "How far back from now: 7, 30 or 365 days, or everything (default).", Values: ["week", "month", "year", "all"]));
    }

    /// <summary>One entry per series (LOINC code and unit, as <c>/trends/{loinc}</c> splits them), latest value first.</summary>
    private static async Task<IResult> ListAsync(HttpContext http, TrendQueries queries, CancellationToken ct) =>
        PatientHttp.Me(http.User) is not { } me
            ? PatientHttp.Forbidden("the token names no patient")
            : TypedResults.Ok(new TrendAnalytes(await queries.AnalytesAsync(me.Value, ct)));

    private static async Task<IResult> QueryAsync(string loinc, string? period, HttpContext http, TrendQueries queries, IClock clock, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (!LoincCode.TryParse(loinc, out var code, out var reason))
        {
            return ProblemTypes.Invalid("loinc", reason);
        }

        period ??= "all";
        if (!TrendPeriods.TryWindow(period, out var window))
        {
            return ProblemTypes.Invalid("period", "one of " + string.Join(", ", TrendPeriods.All));
        }

        var since = window is { } w ? clock.GetCurrentInstant() - w : Instant.MinValue;
        return TypedResults.Ok(new TrendResponse(code.Value, period, await queries.SeriesAsync(me.Value, code, since, ct)));
    }
}
