using System.Globalization;
using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Patients;
using Ledger.App.Security;
using NodaTime;
using Npgsql;

namespace Ledger.App.AccessJournal;

public sealed record JournalPage(IReadOnlyList<JournalRow> Items, int Page, int PageSize, long Total);

/// <summary>Reads of <c>access_journal</c>.</summary>
public sealed class AccessJournalQueries(NpgsqlDataSource dataSource, LedgerRuntime runtime)
{
    /// <summary>The patient's entries recorded in [<paramref name="from"/>, <paramref name="to"/>), newest first when <paramref name="newestFirst"/>.</summary>
    public async Task<IReadOnlyList<JournalRow>> ListAsync(Guid patientId, Instant? from, Instant? to, int limit, long offset, bool newestFirst, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT patient_id, at, actor_kind, actor_id, document_id, purpose, consent_id, channel, source_address, outcome, reason_code
            FROM {runtime.Schema}.{AccessJournalProjection.Table}
            WHERE patient_id = @p AND recorded_at >= @from AND recorded_at < @to
            ORDER BY recorded_at {(newestFirst ? "DESC" : "ASC")}, stream_version {(newestFirst ? "DESC" : "ASC")}
            LIMIT @limit OFFSET @offset
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("from", (from ?? Instant.FromUtc(1, 1, 1, 0, 0)).ToDateTimeUtc());
        command.Parameters.AddWithValue("to", (to ?? Instant.FromUtc(9999, 1, 1, 0, 0)).ToDateTimeUtc());
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        var rows = new List<JournalRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new JournalRow(
                reader.GetGuid(0),
                Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(1)),
                reader.GetString(2),
                reader.GetGuid(3),
                reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetGuid(6),
                reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetString(10)));
        }

        return rows;
    }

    /// <summary>How many entries the patient's journal holds.</summary>
    public async Task<long> CountAsync(Guid patientId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {runtime.Schema}.{AccessJournalProjection.Table} WHERE patient_id = @p");
        command.Parameters.AddWithValue("p", patientId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}

/// <summary><c>GET /api/v1/patients/me/access-journal?page=&amp;pageSize=</c>: who saw or was refused the patient's record, newest first.</summary>
public static class AccessJournalEndpoints
{
    public static void MapAccessJournal(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/patients/me/access-journal", async Task<IResult> (HttpContext http, AccessJournalQueries queries, CancellationToken ct) =>
        {
            if (PatientHttp.Me(http.User) is not { } me)
            {
                return PatientHttp.Forbidden("the token names no patient");
            }

            var page = 1;
            var size = 50;
            if (http.Request.Query["page"].ToString() is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
            {
                return ProblemTypes.Invalid("page", "a positive number");
            }

            if (http.Request.Query["pageSize"].ToString() is { Length: > 0 } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 200))
            {
                return ProblemTypes.Invalid("pageSize", "1 to 200");
            }

            var rows = await queries.ListAsync(me.Value, null, null, size, (long)(page - 1) * size, newestFirst: true, ct);
            return TypedResults.Ok(new JournalPage(rows, page, size, await queries.CountAsync(me.Value, ct)));
        }).RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Access journal");
}
