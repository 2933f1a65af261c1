using Ledger.App.Hosting;
using Ledger.Domain.Identifiers;
using NodaTime;
using Npgsql;

namespace Ledger.App.Trends;

/// <summary>The trend periods: how far back from now a trend reaches.</summary>
public static class TrendPeriods
{
    public static IReadOnlyList<string> All { get; } = ["week", "month", "year", "all"];

    /// <summary>The window of <paramref name="period"/> (null for all); false for an unknown period.</summary>
    public static bool TryWindow(string period, out Duration? window)
    {
        window = period switch
        {
            "week" => Duration.FromDays(7),
            "month" => Duration.FromDays(30),
            "year" => Duration.FromDays(365),
            _ => null,
        };
        return window is not null || period == "all";
    }
}

/// <summary>The value of the same analyte (code and unit) measured before an observation of a document.</summary>
public sealed record PreviousValue(string Loinc, string Unit, decimal Value, decimal PreviousValueOf, Guid PreviousDocumentId, Instant PreviousObservedAt);

/// <summary>Reads of <c>trend_points</c>: the analytes a patient has, one analyte's series per unit, and the previous values.</summary>
public sealed class TrendQueries(NpgsqlDataSource dataSource, LedgerRuntime runtime)
{
    /// <summary>One entry per series (LOINC code and unit), latest value first.</summary>
    public async Task<IReadOnlyList<TrendAnalyte>> AnalytesAsync(Guid patientId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT loinc, name, unit, count, value, observed_at FROM (
                SELECT DISTINCT ON (loinc, unit) loinc, name, unit, count(*) OVER (PARTITION BY loinc, unit) AS count, value, observed_at
                FROM {runtime.Schema}.{TrendProjection.Table}
                WHERE patient_id = @p
                ORDER BY loinc, unit, observed_at DESC, document_id DESC, seq DESC) latest
            ORDER BY observed_at DESC, loinc, unit
            """);
        command.Parameters.AddWithValue("p", patientId);
        var items = new List<TrendAnalyte>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new TrendAnalyte(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetDecimal(4),
                Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(5))));
        }

        return items;
    }

    /// <summary>
    /// The patient's values of <paramref name="code"/> observed at or after <paramref name="since"/>, one series per unit
    /// (a unit is never mixed into another's series), the series with the latest value first; each point's change is
    /// against the previous value of its series, also when that one is before <paramref name="since"/>.
    /// </summary>
    public async Task<IReadOnlyList<TrendSeries>> SeriesAsync(Guid patientId, LoincCode code, Instant since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        await using var command = dataSource.CreateCommand($"""
            SELECT unit, name, value, flag, ref_low, ref_high, ref_text, document_id, observed_at
            FROM {runtime.Schema}.{TrendProjection.Table}
            WHERE patient_id = @p AND loinc = @l ORDER BY unit, observed_at, document_id, seq
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("l", code.Value);
        var series = new List<TrendSeries>();
        var points = new List<TrendPoint>();
        string? unit = null;
        var name = string.Empty;
        decimal? previous = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
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
        return series.OrderByDescending(s => s.Points[^1].ObservedAt).ToList();

        void Flush()
        {
            if (unit is not null && points.Count > 0)
            {
                series.Add(new TrendSeries(code.Value, unit, name, points.ToList()));
            }

            points.Clear();
        }
    }

    /// <summary>
    /// For each numeric LOINC-coded value of <paramref name="documentId"/>, the latest earlier value of the same code and
    /// unit in the patient's other documents (what the value changed from); values without an earlier one are absent.
    /// </summary>
    public async Task<IReadOnlyList<PreviousValue>> PreviousValuesAsync(Guid patientId, Guid documentId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT t.loinc, t.unit, t.value, p.value, p.document_id, p.observed_at
            FROM {runtime.Schema}.{TrendProjection.Table} t
            CROSS JOIN LATERAL (
                SELECT value, document_id, observed_at FROM {runtime.Schema}.{TrendProjection.Table} e
                WHERE e.patient_id = t.patient_id AND e.loinc = t.loinc AND e.unit = t.unit AND e.document_id <> t.document_id
                  AND e.observed_at < t.observed_at
                ORDER BY e.observed_at DESC, e.document_id DESC, e.seq DESC LIMIT 1) p
            WHERE t.patient_id = @p AND t.document_id = @d
            ORDER BY t.seq
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("d", documentId);
        var values = new List<PreviousValue>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(new PreviousValue(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetGuid(4),
                Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(5))));
        }

        return values;
    }
}
