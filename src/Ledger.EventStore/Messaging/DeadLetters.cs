using Npgsql;

namespace Ledger.EventStore.Messaging;

/// <summary>A message Wolverine gave up on after its last retry (a row of <c>wolverine_dead_letters</c>).</summary>
public sealed record DeadLetter(Guid MessageId, string MessageType, string ExceptionType, string ExceptionMessage, DateTimeOffset? SentAt, bool Replayable);

/// <summary>
/// The operator's view of Wolverine's dead letters in the ledger's schema, through the database so that it works
/// against running nodes: a replay marks the message replayable and the durability agent of a running node moves it
/// back into its queue (on its next poll).
/// </summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource, string schema)
{
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        var letters = new List<DeadLetter>();
        if (!await ExistsAsync(cancellationToken))
        {
            return letters;
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT id, message_type, coalesce(exception_type, ''), coalesce(exception_message, ''), sent_at, replayable
            FROM {schema}.wolverine_dead_letters ORDER BY sent_at NULLS LAST, id LIMIT @limit
            """);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(new DeadLetter(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetBoolean(5)));
        }

        return letters;
    }

    /// <summary>Marks a dead letter for replay; false when there is no dead letter with this id.</summary>
    public async Task<bool> ReplayAsync(Guid messageId, CancellationToken cancellationToken = default)
    {
        if (!await ExistsAsync(cancellationToken))
        {
            return false;
        }

        await using var command = dataSource.CreateCommand($"UPDATE {schema}.wolverine_dead_letters SET replayable = true WHERE id = @id");
        command.Parameters.AddWithValue("id", messageId);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<bool> ExistsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_regclass(@t) IS NOT NULL");
        command.Parameters.AddWithValue("t", $"{schema}.wolverine_dead_letters");
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }
}
