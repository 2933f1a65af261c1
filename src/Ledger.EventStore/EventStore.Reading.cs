using System.Globalization;
using System.Text;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore;

public sealed partial class EventStore
{
    private const string EventColumns = "global_position, transaction_id::text AS transaction_text, stream_id, stream_version, event_id, event_type, data::text, data_encrypted, key_id, metadata::text, recorded_at";

    /// <summary>A stream's row, or null when it does not exist.</summary>
    public async Task<StreamInfo?> GetStreamAsync(Guid streamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT stream_type, version, created_at, updated_at, archived_at FROM {schema}.streams WHERE stream_id = @id");
        command.Parameters.AddWithValue("id", streamId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StreamInfo(
            streamId,
            reader.GetString(0),
            reader.GetInt64(1),
            ToInstant(reader.GetDateTime(2)),
            ToInstant(reader.GetDateTime(3)),
            reader.IsDBNull(4) ? null : ToInstant(reader.GetDateTime(4)));
    }

    /// <summary>
    /// Reads a stream from <paramref name="fromVersion"/>: forward (that version and later ones) or backward
    /// (that version and earlier ones; <see cref="long.MaxValue"/> starts at the end).
    /// </summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(Guid streamId, long fromVersion = 1, ReadDirection direction = ReadDirection.Forward, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        var sql = direction == ReadDirection.Forward
            ? $"SELECT {EventColumns} FROM {schema}.events WHERE stream_id = @id AND stream_version >= @v ORDER BY stream_version LIMIT @n"
            : $"SELECT {EventColumns} FROM {schema}.events WHERE stream_id = @id AND stream_version <= @v ORDER BY stream_version DESC LIMIT @n";
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", streamId);
        command.Parameters.AddWithValue("v", fromVersion);
        command.Parameters.AddWithValue("n", (long)maxCount);
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Folds a stream into a state with <paramref name="evolve"/>, up to a version or an instant when
    /// <paramref name="asOf"/> is given (time travel). Erased payloads are skipped and reported through
    /// <paramref name="onErased"/> when given.
    /// </summary>
    public async Task<(TState State, long Version)> AggregateAsync<TState>(Guid streamId, TState initial, Func<TState, object, TState> evolve, StreamPoint? asOf = null, Action<RecordedEvent>? onErased = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var (filter, value) = asOf switch
        {
            null => ("TRUE", (object)0L),
            StreamPoint.Version v => ("stream_version <= @p", v.Value),
            StreamPoint.At at => ("recorded_at <= @p", at.Value.ToDateTimeUtc()),
            _ => throw new ArgumentOutOfRangeException(nameof(asOf)),
        };
        await using var command = dataSource.CreateCommand($"SELECT {EventColumns} FROM {schema}.events WHERE stream_id = @id AND {filter} ORDER BY stream_version");
        command.Parameters.AddWithValue("id", streamId);
        command.Parameters.AddWithValue("p", value);
        var state = initial;
        long version = 0;
        foreach (var recorded in await ReadEventsAsync(command, cancellationToken))
        {
            version = recorded.StreamVersion;
            if (recorded.IsErased)
            {
                onErased?.Invoke(recorded);
                continue;
            }

            state = evolve(state, Deserialize(recorded));
        }

        return (state, version);
    }

    /// <summary>
    /// Reads the global log after <paramref name="after"/> in (transaction id, position) order, returning only
    /// events of transactions older than every transaction still running: nothing can later commit behind the
    /// returned checkpoint, so a reader that goes on from it never skips an event and never sees one twice.
    /// </summary>
    public Task<GlobalLogBatch> ReadAllAsync(GlobalCheckpoint after, int batchSize, CancellationToken cancellationToken = default) =>
        ReadAllAsync(after, batchSize, payloadTypes: null, cancellationToken);

    /// <summary>
    /// As <see cref="ReadAllAsync(GlobalCheckpoint, int, CancellationToken)"/>, but only events whose stored type is in
    /// <paramref name="payloadTypes"/> come with their payload; the others come with <see cref="RecordedEvent.Data"/>
    /// null, neither fetched nor decrypted (for readers that skip them anyway). Null gives every payload.
    /// </summary>
    public async Task<GlobalLogBatch> ReadAllAsync(GlobalCheckpoint after, int batchSize, IReadOnlySet<string>? payloadTypes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var columns = payloadTypes is null
            ? EventColumns
            : EventColumns.Replace("data::text, data_encrypted", "CASE WHEN event_type = ANY(@types) THEN data::text END, CASE WHEN event_type = ANY(@types) THEN data_encrypted END", StringComparison.Ordinal);
        await using var command = dataSource.CreateCommand($"""
            SELECT {columns} FROM {schema}.events
            WHERE (transaction_id, global_position) > (@tx::text::xid8, @pos)
              AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY transaction_id, global_position
            LIMIT @n
            """);
        command.Parameters.AddWithValue("tx", after.TransactionId.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("pos", after.Position);
        command.Parameters.AddWithValue("n", batchSize);
        if (payloadTypes is not null)
        {
            command.Parameters.AddWithValue("types", payloadTypes.ToArray());
        }

        var events = await ReadEventsAsync(command, cancellationToken);
        return new GlobalLogBatch(events, events.Count == 0 ? after : GlobalCheckpoint.Of(events[^1]));
    }

    /// <summary>The newest position in the log and when it was recorded (for lag figures); null when empty.</summary>
    public async Task<(long Position, Instant RecordedAt)?> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT global_position, recorded_at FROM {schema}.events ORDER BY global_position DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), ToInstant(reader.GetDateTime(1))) : null;
    }

    private static Instant ToInstant(DateTime value) => Instant.FromDateTimeUtc(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private async Task<IReadOnlyList<RecordedEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<RecordedEvent>();
        var sealedRows = new List<(int Index, byte[] Ciphertext)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var keyId = reader.IsDBNull(8) ? (Guid?)null : reader.GetGuid(8);
                if (keyId is not null && !reader.IsDBNull(7))
                {
                    sealedRows.Add((rows.Count, (byte[])reader[7]));
                }

                rows.Add(new RecordedEvent(
                    reader.GetInt64(0),
                    ulong.Parse(reader.GetString(1), CultureInfo.InvariantCulture),
                    reader.GetGuid(2),
                    reader.GetInt64(3),
                    reader.GetGuid(4),
                    reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    ParseMetadata(reader.GetString(9)),
                    ToInstant(reader.GetDateTime(10)),
                    keyId,
                    IsErased: false));
            }
        }

        foreach (var (index, ciphertext) in sealedRows)
        {
            var row = rows[index];
            var protectorToUse = protector ?? throw new InvalidOperationException($"stream {row.StreamId} version {row.StreamVersion} is encrypted but the store has no payload protector configured");
            var plaintext = await protectorToUse.DecryptAsync(row.KeyId!.Value, ciphertext, AssociatedData(row.StreamId, row.EventId), cancellationToken);
            rows[index] = plaintext is null
                ? row with { Data = null, IsErased = true }
                : row with { Data = Encoding.UTF8.GetString(plaintext) };
        }

        return rows;
    }
}
