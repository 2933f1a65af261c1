using JasperFx;
using JasperFx.Events;
using Marten.Services;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore;

public sealed partial class EventStore
{
    private async Task<AppendResult> AppendCoreAsync(NpgsqlTransaction transaction, bool ownsTransaction, Guid streamId, string streamType, ExpectedVersion expected, Encoded[] encoded, IReadOnlyList<SqlWrite> extraWrites, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection ?? throw new InvalidOperationException("the transaction is no longer open");
        var row = await LockAndReadAsync(connection, transaction, streamId, cancellationToken);
        var sources = encoded.Select(e => e.Source).ToList();
        if (!expected.IsSatisfiedBy(row?.Version) || !ownsTransaction)
        {
            if (await FindStoredAsync(connection, transaction, streamId, sources, cancellationToken) is { } existing)
            {
                return existing;
            }

            if (!expected.IsSatisfiedBy(row?.Version))
            {
                throw new WrongExpectedVersionException(streamId, expected, row?.Version);
            }
        }

        if (row is { Archived: true })
        {
            throw new StreamArchivedException(streamId);
        }

        if (row?.Type is { } actualType && actualType != streamType)
        {
            throw new StreamTypeMismatchException(streamId, streamType, actualType);
        }

        // Recorded times never go backwards within a stream, whatever the clock does.
        var now = row?.HeadAt is { } headAt && headAt > Now() ? headAt : Now();
        var version = row?.Version ?? 0;
        var previous = row?.Head ?? Hashing.EventHasher.Genesis.ToArray();
        var hashes = new byte[encoded.Length][];
        for (var i = 0; i < encoded.Length; i++)
        {
            var e = encoded[i];
            hashes[i] = Hash(previous, streamId, version + i + 1, e.Source.EventId, e.StoredName, now, e.MetadataText, e.Stored);
            previous = hashes[i];
            serializer.Prepare(e.Source.Data, e.Stored);
        }

        await using var session = Documents.LightweightSession(SessionOptions.ForTransaction(transaction));
        var datas = encoded.Select(e => e.Source.Data).ToArray();
        var action = row is null
            ? session.Events.StartStream(streamId, datas)
            : session.Events.Append(streamId, version + encoded.Length, datas);
        for (var i = 0; i < encoded.Length; i++)
        {
            var e = action.Events[i];
            e.Id = encoded[i].Source.EventId;
            e.Timestamp = now.ToDateTimeOffset();
            e.DotNetTypeName = null!; // only stored names reach the database
            e.SetHeader(HashHeader, BytesToHex(hashes[i]));
            e.SetHeader(MetadataHeader, encoded[i].MetadataText);
        }

        if (row is null)
        {
            session.QueueSqlCommand($"UPDATE {schema}.mt_streams SET type = ? WHERE id = ?", streamType, streamId);
        }

        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is EventStreamUnexpectedMaxEventIdException or ConcurrencyException || IsUniqueViolation(ex))
        {
            throw new WrongExpectedVersionException(streamId, expected, null);
        }

        var appended = new List<AppendedEvent>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            appended.Add(new AppendedEvent(encoded[i].Source.EventId, version + i + 1, action.Events[i].Sequence));
        }

        var afterCommit = await RunParticipantsAsync(transaction, streamId, streamType, encoded, appended, now, cancellationToken);
        if (extraWrites.Count > 0)
        {
            try
            {
                await SqlWrite.ExecuteAsync(extraWrites, transaction, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A write beside the events found its row already there (another request got there first).
                throw new WrongExpectedVersionException(streamId, expected, version);
            }
        }

        return new AppendResult(streamId, version + encoded.Length, appended, AlreadyStored: false) { AfterCommit = afterCommit };
    }

    private async Task<IReadOnlyList<Func<CancellationToken, Task>>> RunParticipantsAsync(NpgsqlTransaction transaction, Guid streamId, string streamType, Encoded[] encoded, List<AppendedEvent> appended, Instant now, CancellationToken cancellationToken)
    {
        if (participants.Count == 0)
        {
            return [];
        }

        var names = encoded.Select(e => e.StoredName).ToList();
        List<AppendedEnvelope>? envelopes = null;
        var afterCommit = new List<Func<CancellationToken, Task>>();
        foreach (var participant in participants.Where(p => p.AppliesTo(names)))
        {
            envelopes ??= encoded.Select((e, i) => new AppendedEnvelope(
                new RecordedEvent(appended[i].GlobalPosition, streamId, appended[i].StreamVersion, e.Source.EventId, e.StoredName, null, e.Metadata, now, null, false),
                e.Source.Data)).ToList();
            try
            {
                await participant.OnAppendingAsync(new AppendContext(transaction, streamId, streamType, envelopes) { Committed = afterCommit }, cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A row written beside the events already exists: another writer got there first.
                throw new WrongExpectedVersionException(streamId, ExpectedVersion.Any, appended[0].StreamVersion - 1);
            }
        }

        return afterCommit;
    }

    /// <summary>Takes the stream's transaction lock and reads its row and head hash, in one round trip.</summary>
    private async Task<StreamRow?> LockAndReadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid streamId, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock_shared(@barrier), pg_advisory_xact_lock(@class, @key)");
        lockCommand.Parameters.AddWithValue("barrier", AppendBarrierKey(schema));
        lockCommand.Parameters.AddWithValue("class", lockClass);
        lockCommand.Parameters.AddWithValue("key", Schema.LockKeys.Stream(streamId));
        batch.BatchCommands.Add(lockCommand);
        var read = new NpgsqlBatchCommand($"""
            SELECT s.version, s.type, s.is_archived, e.headers ->> '{HashHeader}', e.timestamp
            FROM {schema}.mt_streams s LEFT JOIN {schema}.mt_events e ON e.stream_id = s.id AND e.version = s.version
            WHERE s.id = @id
            """);
        read.Parameters.AddWithValue("id", streamId);
        batch.BatchCommands.Add(read);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StreamRow(
            reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            !reader.IsDBNull(2) && reader.GetBoolean(2),
            HexToBytes(reader.IsDBNull(3) ? null : reader.GetString(3)),
            reader.IsDBNull(4) ? null : Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(4)));
    }

    /// <summary>
    /// When every event id of the append is already stored in this stream, the earlier append's result (nothing is
    /// written again); when some are stored, or stored elsewhere, <see cref="EventIdConflictException"/>; else null.
    /// </summary>
    private async Task<AppendResult?> FindStoredAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid streamId, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken)
    {
        var ids = events.Select(e => e.EventId).ToArray();
        await using var command = new NpgsqlCommand($"SELECT id, stream_id, version, seq_id FROM {schema}.mt_events WHERE id = ANY(@ids)", connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        var found = new Dictionary<Guid, (Guid Stream, long Version, long Sequence)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                found[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        foreach (var (id, place) in found)
        {
            if (place.Stream != streamId)
            {
                throw new EventIdConflictException(streamId, id, $"is already stored in stream {place.Stream}");
            }
        }

        if (found.Count != ids.Length)
        {
            var missing = ids.First(id => !found.ContainsKey(id));
            throw new EventIdConflictException(streamId, missing, "belongs to an append whose other events are already stored");
        }

        var appended = ids.Select(id => new AppendedEvent(id, found[id].Version, found[id].Sequence)).ToList();
        return new AppendResult(streamId, await VersionAsync(connection, streamId, cancellationToken, transaction) ?? 0, appended, AlreadyStored: true);
    }

    private async Task<long?> VersionAsync(NpgsqlConnection connection, Guid streamId, CancellationToken cancellationToken, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand($"SELECT version FROM {schema}.mt_streams WHERE id = @id", connection, transaction);
        command.Parameters.AddWithValue("id", streamId);
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    private static bool IsUniqueViolation(Exception ex)
    {
        for (var inner = ex; inner is not null; inner = inner.InnerException)
        {
            if (inner is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                return true;
            }
        }

        return false;
    }
}
