using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.Domain.Identifiers;
using NodaTime;
using Npgsql;

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
    private static async Task<IResult> ListAsync(HttpContext http, NpgsqlDataSource dataSource, LedgerRuntime runtime, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT loinc, name, unit, count, value, observed_at FROM (
                SELECT DISTINCT ON (loinc, unit) loinc, name, unit, count(*) OVER (PARTITION BY loinc, unit) AS count, value, observed_at
                FROM {runtime.Schema}.{TrendProjection.Table}
                WHERE patient_id = @p
                ORDER BY loinc, unit, observed_at DESC, document_id DESC, seq DESC) latest
            ORDER BY observed_at DESC, loinc, unit
            """);
        command.Parameters.AddWithValue("p", me.Value);
        var items = new List<TrendAnalyte>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                items.Add(new TrendAnalyte(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetDecimal(4),
                    Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(5))));
            }
        }

        return TypedResults.Ok(new TrendAnalytes(items));
    }

    private static async Task<IResult> QueryAsync(string loinc, string? period, HttpContext http, NpgsqlDataSource dataSource, LedgerRuntime runtime, IClock clock, CancellationToken ct)
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
        Duration? window = period switch
        {
            "week" => Duration.FromDays(7),
            "month" => Duration.FromDays(30),
            "year" => Duration.FromDays(365),
            "all" => null,
            _ => Duration.Zero,
        };
        if (window == Duration.Zero)
        {
            return ProblemTypes.Invalid("period", "one of week, month, year, all");
        }

        var since = window is { } w ? clock.GetCurrentInstant() - w : Instant.MinValue;
        await using var command = dataSource.CreateCommand($"""
            SELECT unit, name, value, flag, ref_low, ref_high, ref_text, document_id, observed_at
            FROM {runtime.Schema}.{TrendProjection.Table}
            WHERE patient_id = @p AND loinc = @l ORDER BY unit, observed_at, document_id, seq
            """);
        command.Parameters.AddWithValue("p", me.Value);
        command.Parameters.AddWithValue("l", code.Value);
        var series = new List<TrendSeries>();
        var points = new List<TrendPoint>();
        string? unit = null;
        string name = string.Empty;
        decimal? previous = null;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var rowUnit = reader.GetString(0);
                if (rowUnit != unit)
                {
                    Flush();
                    unit = rowUnit;
                    previous = null;
                }

                name = reader.GetString(1);
                var value = reader.GetDecimal(2);
                var at = Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(8));
                var point = new TrendPoint(
                    value,
                    previous is { } p ? value - p : null,
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetDecimal(4),
                    reader.IsDBNull(5) ? null : reader.GetDecimal(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.GetGuid(7),
                    at);
                previous = value;
                if (at >= since)
                {
                    points.Add(point);
                }
            }
        }

        Flush();
        return TypedResults.Ok(new TrendResponse(code.Value, period, series.OrderByDescending(s => s.Points[^1].ObservedAt).ToList()));

        void Flush()
        {
            if (unit is not null && points.Count > 0)
            {
                series.Add(new TrendSeries(code.Value, unit, name, points.ToList()));
            }

            points.Clear();
        }
    }
}
