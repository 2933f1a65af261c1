using Ledger.App.Hosting;
using NodaTime;
using Npgsql;

namespace Ledger.App.Identity;

/// <summary>One page of the sign-in journal, newest first.</summary>
public sealed record SignInJournalPage(IReadOnlyList<SignInEntry> Items, int Page, int PageSize, long Total);

/// <summary>Reads of <c>sign_in_journal</c>: what the journal endpoint and the cabinet's page show.</summary>
public sealed class SignInJournalQueries(NpgsqlDataSource dataSource, LedgerRuntime runtime)
{
    /// <summary>The page <paramref name="page"/> (from 1) of <paramref name="pageSize"/> entries of the patient's journal, newest first.</summary>
    public async Task<SignInJournalPage> PageAsync(Guid patientId, int page, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(page, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        await using var command = dataSource.CreateCommand($"""
            SELECT at, outcome, method, reason, address, user_agent, locked_until
            FROM {runtime.Schema}.{SignInJournalProjection.Table}
            WHERE patient_id = @p
            ORDER BY at DESC, stream_version DESC
            LIMIT @limit OFFSET @offset
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("limit", pageSize);
        command.Parameters.AddWithValue("offset", (long)(page - 1) * pageSize);
        var rows = new List<SignInEntry>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new SignInEntry(
                    Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(0)),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(6))));
            }
        }

        await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {runtime.Schema}.{SignInJournalProjection.Table} WHERE patient_id = @p");
        count.Parameters.AddWithValue("p", patientId);
        return new SignInJournalPage(rows, page, pageSize, (long)(await count.ExecuteScalarAsync(cancellationToken))!);
    }
}
