using Npgsql;

namespace Ledger.EventStore;

/// <summary>
/// One SQL statement that writes (never reads) and must commit or roll back with an append: an inline
/// projection's row, a stored answer to the request that caused the append. Parameters are named <c>@name</c>.
/// </summary>
public sealed record SqlWrite(string Sql, IReadOnlyList<KeyValuePair<string, object?>> Parameters)
{
    /// <summary>A write with parameters given as (name, value) pairs; a null value is sent as SQL NULL.</summary>
    public static SqlWrite Of(string sql, params (string Name, object? Value)[] parameters)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        return new SqlWrite(sql, parameters.Select(p => KeyValuePair.Create(p.Name, p.Value)).ToList());
    }

    /// <summary>Runs <paramref name="writes"/> in one round trip inside <paramref name="transaction"/> (nothing when empty).</summary>
    public static async Task ExecuteAsync(IReadOnlyList<SqlWrite> writes, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        ArgumentNullException.ThrowIfNull(transaction);
        if (writes.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        foreach (var write in writes)
        {
            batch.BatchCommands.Add(write.ToBatchCommand());
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The statement as a command of an <see cref="NpgsqlBatch"/>.</summary>
    public NpgsqlBatchCommand ToBatchCommand()
    {
        var command = new NpgsqlBatchCommand(Sql);
        foreach (var (name, value) in Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }
}

/// <summary>An event of an append that is about to be written (its global position is not known yet).</summary>
public sealed record PendingEvent(Guid StreamId, long StreamVersion, Guid EventId, string EventType, object Data);
