using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// Takes, keeps and audits signed checkpoints over Marten's event tables. A checkpoint is taken behind the append
/// barrier: every append holds the barrier shared while it writes; the checkpoint takes it exclusively for the moment
/// it takes a database snapshot (no append is half-way then, so no event can later commit at a position the
/// checkpoint covers), then releases it and reads the stream heads from that snapshot while appends go on. The signing key never enters the database; the checkpoints table holds the signed lines only.
/// </summary>
public sealed class CheckpointStore(NpgsqlDataSource dataSource, string schema = "ledger")
{
    /// <summary>Takes the next checkpoint over every stream head and signs it with <paramref name="signer"/>.</summary>
    public async Task<SignedCheckpoint> CreateAsync(CheckpointSigner signer, Instant now, CancellationToken cancellationToken = default) =>
        (await CreateCoreAsync(signer, now, null, cancellationToken))!;

    /// <summary>
    /// The schedule's checkpoint: takes and signs the next one unless the latest is younger than
    /// <paramref name="minimumAge"/> (null then). Several nodes can run the same schedule: the append barrier lets one
    /// at a time look, so the others find the fresh checkpoint and sign nothing.
    /// </summary>
    public Task<SignedCheckpoint?> CreateIfDueAsync(CheckpointSigner signer, Instant now, Duration minimumAge, CancellationToken cancellationToken = default) =>
        CreateCoreAsync(signer, now, minimumAge, cancellationToken);

    private async Task<SignedCheckpoint?> CreateCoreAsync(CheckpointSigner signer, Instant now, Duration? minimumAge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signer);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Session locks, taken outside any transaction, so that the snapshot below is taken after they are granted.
        // One checkpoint writer at a time; the appends are not held back by this one.
        await SessionLockAsync(connection, "pg_advisory_lock", WriterKey(schema), cancellationToken);
        try
        {
            var previous = await LatestAsync(connection, null, cancellationToken);
            if (minimumAge is { } age && previous is not null && now - previous.Checkpoint.CreatedAt < age)
            {
                return null;
            }

            // The barrier, exclusively: granted once every append in flight has committed or rolled back, and new
            // ones wait. The snapshot taken now therefore holds every event below its highest position, and no event
            // can later commit at a position the checkpoint covers. The barrier is released as soon as the snapshot
            // exists: the stream heads are read from that snapshot while appends go on (their reading takes time in
            // proportion to the number of streams, and appends must not wait on it).
            await SessionLockAsync(connection, "pg_advisory_lock", EventStore.AppendBarrierKey(schema), cancellationToken);
            var barrierHeld = true;
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
                long position;
                await using (var max = new NpgsqlCommand($"SELECT coalesce(max(e.seq_id), 0) FROM {schema}.mt_events e WHERE {EventStore.NotTombstone(schema, "e")}", connection, transaction))
                {
                    position = (long)(await max.ExecuteScalarAsync(cancellationToken))!;
                }

                await SessionLockAsync(connection, "pg_advisory_unlock", EventStore.AppendBarrierKey(schema), cancellationToken, transaction);
                barrierHeld = false;

                var heads = new List<StreamHeadEntry>();
                await using (var read = new NpgsqlCommand($"""
                    SELECT s.id, s.version, e.headers ->> '{EventStore.HashHeader}'
                    FROM {schema}.mt_streams s JOIN {schema}.mt_events e ON e.stream_id = s.id AND e.version = s.version
                    """, connection, transaction))
                await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        heads.Add(new StreamHeadEntry(reader.GetGuid(0), reader.GetInt64(1), Convert.FromHexString(reader.GetString(2))));
                    }
                }

                var ticks = now.ToUnixTimeTicks();
                var checkpoint = new Checkpoint((previous?.Checkpoint.Sequence ?? 0) + 1, position, Instant.FromUnixTimeTicks(ticks - (ticks % 10)), heads);
                var signed = signer.Sign(checkpoint, previous);
                await using (var insert = new NpgsqlCommand($"INSERT INTO {schema}.checkpoints (sequence, global_position, created_at, key_id, line) VALUES (@s, @p, @at, @k, @line)", connection, transaction))
                {
                    insert.Parameters.AddWithValue("s", checkpoint.Sequence);
                    insert.Parameters.AddWithValue("p", position);
                    insert.Parameters.AddWithValue("at", checkpoint.CreatedAt.ToDateTimeUtc());
                    insert.Parameters.AddWithValue("k", signed.KeyId);
                    insert.Parameters.AddWithValue("line", signed.ToJsonLine());
                    await insert.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                return signed;
            }
            finally
            {
                if (barrierHeld && connection.State == System.Data.ConnectionState.Open)
                {
                    await SessionLockAsync(connection, "pg_advisory_unlock", EventStore.AppendBarrierKey(schema), CancellationToken.None);
                }
            }
        }
        finally
        {
            if (connection.State == System.Data.ConnectionState.Open)
            {
                await SessionLockAsync(connection, "pg_advisory_unlock", WriterKey(schema), CancellationToken.None);
            }
        }
    }

    private static long WriterKey(string schema) => Schema.LockKeys.Named(schema, "checkpoint_writer");

    private static async Task SessionLockAsync(NpgsqlConnection connection, string function, long key, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}(@key)", connection, transaction);
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Every checkpoint, oldest first.</summary>
    public async Task<IReadOnlyList<SignedCheckpoint>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT line FROM {schema}.checkpoints ORDER BY sequence");
        var result = new List<SignedCheckpoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(SignedCheckpoint.FromJsonLine(reader.GetString(0)));
        }

        return result;
    }

    /// <summary>The newest checkpoint, or null before the first.</summary>
    public async Task<SignedCheckpoint?> LatestAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await LatestAsync(connection, null, cancellationToken);
    }

    /// <summary>
    /// Compares every checkpoint with the events as they are now (signatures checked with <paramref name="publicKeyPem"/>):
    /// names each stream and version that was removed, rewritten or slipped in behind the ledger's back.
    /// </summary>
    public async Task<IReadOnlyList<CheckpointFinding>> AuditAsync(string publicKeyPem, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyPem);
        var checkpoints = await ListAsync(cancellationToken);
        var rows = new List<ChainedRow>();
        await using var command = dataSource.CreateCommand($"SELECT e.stream_id, e.version, e.seq_id, e.headers ->> '{EventStore.HashHeader}' FROM {schema}.mt_events e WHERE {EventStore.NotTombstone(schema, "e")}");
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var hash = reader.IsDBNull(3) ? new byte[StreamHeadEntry.HashLength] : HashOrZero(reader.GetString(3));
                rows.Add(new ChainedRow(reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2), hash));
            }
        }

        return CheckpointAudit.Run(publicKeyPem, checkpoints, rows);
    }

    private static byte[] HashOrZero(string hex)
    {
        try
        {
            var bytes = Convert.FromHexString(hex);
            return bytes.Length == StreamHeadEntry.HashLength ? bytes : new byte[StreamHeadEntry.HashLength];
        }
        catch (FormatException)
        {
            return new byte[StreamHeadEntry.HashLength];
        }
    }

    private async Task<SignedCheckpoint?> LatestAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT line FROM {schema}.checkpoints ORDER BY sequence DESC LIMIT 1", connection, transaction);
        return await command.ExecuteScalarAsync(cancellationToken) is string line ? SignedCheckpoint.FromJsonLine(line) : null;
    }
}
