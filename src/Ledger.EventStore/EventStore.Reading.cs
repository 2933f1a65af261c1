using Ledger.EventStore.MartenStore;
using Ledger.EventStore.Protection;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore;

public sealed partial class EventStore
{
    private string SelectEvents => $"SELECT seq_id, stream_id, version, id, type, bdata, headers ->> '{MetadataHeader}', timestamp FROM {schema}.mt_events";

    /// <summary>The last event of the global sequence and when it was recorded; null when the store is empty.</summary>
    public async Task<(long Position, Instant RecordedAt)?> GetHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT e.seq_id, e.timestamp FROM {schema}.mt_events e WHERE {NotTombstone(schema, "e")} ORDER BY e.seq_id DESC LIMIT 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(1))) : null;
    }

    /// <summary>A stream's row, or null when it does not exist.</summary>
    public async Task<StreamInfo?> GetStreamAsync(Guid streamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT type, version, created, timestamp, is_archived FROM {schema}.mt_streams WHERE id = @id");
        command.Parameters.AddWithValue("id", streamId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var updated = Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(3));
        return new StreamInfo(
            streamId,
            reader.IsDBNull(0) ? string.Empty : reader.GetString(0),
            reader.GetInt64(1),
            Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(2)),
            updated,
            !reader.IsDBNull(4) && reader.GetBoolean(4) ? updated : null);
    }

    /// <summary>A stream's events from a version on, in either direction; payloads decrypted, erased ones marked.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(Guid streamId, long fromVersion = 1, ReadDirection direction = ReadDirection.Forward, int maxCount = int.MaxValue, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var order = direction == ReadDirection.Forward ? "version >= @from ORDER BY version" : "version <= @from ORDER BY version DESC";
        await using var command = dataSource.CreateCommand($"{SelectEvents} WHERE stream_id = @id AND {order} LIMIT @max");
        command.Parameters.AddWithValue("id", streamId);
        command.Parameters.AddWithValue("from", direction == ReadDirection.Backward && fromVersion == long.MaxValue ? long.MaxValue : fromVersion);
        command.Parameters.AddWithValue("max", (long)maxCount);
        return await ReadEventsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Folds a stream into a state with <paramref name="evolve"/>, up to a version or an instant when
    /// <paramref name="asOf"/> is given (time travel). Erased payloads are skipped and reported through
    /// <paramref name="onErased"/>. Returns the state and the version it was built from.
    /// </summary>
    public async Task<(TState State, long Version)> AggregateAsync<TState>(Guid streamId, TState initial, Func<TState, object, TState> evolve, StreamPoint? asOf = null, Action<RecordedEvent>? onErased = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var filter = asOf switch
        {
            null => string.Empty,
            StreamPoint.Version => " AND version <= @p",
            StreamPoint.At => " AND timestamp <= @p",
            _ => throw new ArgumentOutOfRangeException(nameof(asOf)),
        };
        await using var command = dataSource.CreateCommand($"{SelectEvents} WHERE stream_id = @id{filter} ORDER BY version");
        command.Parameters.AddWithValue("id", streamId);
        switch (asOf)
        {
            case StreamPoint.Version v: command.Parameters.AddWithValue("p", v.Value); break;
            case StreamPoint.At a: command.Parameters.AddWithValue("p", a.Value.ToDateTimeOffset()); break;
        }

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

    /// <summary>Events of every stream by global sequence, after <paramref name="afterSequence"/>, at most <paramref name="batchSize"/>.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterSequence, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        await using var command = dataSource.CreateCommand($"{SelectEvents} WHERE seq_id > @after AND {NotTombstone(schema, "mt_events")} ORDER BY seq_id LIMIT @max");
        command.Parameters.AddWithValue("after", afterSequence);
        command.Parameters.AddWithValue("max", (long)batchSize);
        return await ReadEventsAsync(command, cancellationToken);
    }

    private async Task<IReadOnlyList<RecordedEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<(long Seq, Guid Stream, long Version, Guid Id, string Type, byte[] Stored, string? Meta, Instant At)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((
                    reader.GetInt64(0),
                    reader.GetGuid(1),
                    reader.GetInt64(2),
                    reader.GetGuid(3),
                    reader.GetString(4),
                    reader.IsDBNull(5) ? [] : reader.GetFieldValue<byte[]>(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(7))));
            }
        }

        var events = new List<RecordedEvent>(rows.Count);
        foreach (var row in rows)
        {
            var metadata = row.Meta is null ? EventMetadata.Empty : ParseMetadata(row.Meta);
            var parsed = StoredPayload.Parse(row.Stored);
            string? data;
            if (parsed.IsSealed)
            {
                if (parsed.StreamId != row.Stream || parsed.EventId != row.Id)
                {
                    throw new PayloadTamperedException(parsed.KeyId!.Value, $"the sealed payload of stream {row.Stream} version {row.Version} belongs to another event");
                }

                var keys = protector ?? throw new InvalidOperationException("a sealed payload was read by a store without a payload protector");
                var plain = await keys.DecryptAsync(parsed.KeyId!.Value, parsed.Body, AssociatedData(row.Stream, row.Id), cancellationToken);
                data = plain is null ? null : Text(plain);
            }
            else
            {
                data = Text(parsed.Body);
            }

            events.Add(new RecordedEvent(row.Seq, row.Stream, row.Version, row.Id, row.Type, data, metadata, row.At, parsed.KeyId, parsed.IsSealed && data is null));
        }

        return events;
    }
}
