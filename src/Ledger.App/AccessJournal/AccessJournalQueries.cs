using Ledger.App.Hosting;
using NodaTime;
using Npgsql;

namespace Ledger.App.AccessJournal;

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

    /// <summary>
    /// Which of <paramref name="documentIds"/> the patient has opened themselves (a succeeded access by the patient that
    /// names the document); the cabinet shows the others as new.
    /// </summary>
    public async Task<IReadOnlySet<Guid>> OpenedByPatientAsync(Guid patientId, IReadOnlyCollection<Guid> documentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(documentIds);
        var opened = new HashSet<Guid>();
        if (documentIds.Count == 0)
        {
            return opened;
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT DISTINCT document_id FROM {runtime.Schema}.{AccessJournalProjection.Table}
            WHERE patient_id = @p AND actor_kind = 'patient' AND outcome = 'succeeded' AND document_id = ANY(@d)
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("d", documentIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            opened.Add(reader.GetGuid(0));
        }

        return opened;
    }
}
