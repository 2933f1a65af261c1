using JasperFx;
using JasperFx.Events;
using Marten;
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

        // The caller's writes beside the events go into Marten's batch, after the events, in the same round trip.
        foreach (var write in extraWrites)
        {
            session.QueueOperation(new Projections.QueuedCommand(write.ToBatchCommand()));
        }

        // Marten runs the inline projections inside SaveChangesAsync (see RunInlineAsync); they find this append here.
        var inline = new InlineAppend(transaction, streamId, streamType, [.. encoded.Select((e, i) => new AppendedEnvelope(
            new RecordedEvent(0, streamId, version + i + 1, e.Source.EventId, e.StoredName, null, e.Metadata, now, null, false),
            e.Source.Data))]);
        CurrentInline.Value = inline;
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception) when (inline.Failure is { } failure)
        {
            // An inline projection threw: its own exception, not Marten's wrapping of it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw;
        }
        catch (Exception ex) when (ex is EventStreamUnexpectedMaxEventIdException or ConcurrencyException || IsUniqueViolation(ex))
        {
            // Another writer's event id, or a row written beside the events already there: another request got there first.
            throw new WrongExpectedVersionException(streamId, expected, null);
        }
        finally
        {
            CurrentInline.Value = null;
        }

        var appended = new List<AppendedEvent>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            appended.Add(new AppendedEvent(encoded[i].Source.EventId, version + i + 1, action.Events[i].Sequence));
        }

        return new AppendResult(streamId, version + encoded.Length, appended, AlreadyStored: false) { AfterCommit = inline.AfterCommit };
    }

    private static readonly AsyncLocal<InlineAppend?> CurrentInline = new();

    /// <summary>The append Marten is saving, as its inline projections see it.</summary>
    private sealed class InlineAppend(NpgsqlTransaction transaction, Guid streamId, string streamType, List<AppendedEnvelope> envelopes)
    {
        public NpgsqlTransaction Transaction => transaction;

        public Guid StreamId => streamId;

        public string StreamType => streamType;

        public List<AppendedEnvelope> Envelopes => envelopes;

        public List<Func<CancellationToken, Task>> AfterCommit { get; } = [];

        public bool Ran { get; set; }

        public Exception? Failure { get; set; }
    }

    /// <summary>
    /// Marten's inline projection step of an append (<see cref="Projections.MartenInlineProjections"/>): runs the
    /// ledger's inline projections and other participants in the append's transaction, before Marten writes the batch.
    /// Writes a participant can state up front (<see cref="IAppendParticipant.PlanWrites"/>) join Marten's batch after
    /// the events; the others run on the transaction. The events' global positions are not known yet (Marten's Quick
    /// append assigns them in that batch): <see cref="RecordedEvent.GlobalPosition"/> is 0 here.
    /// </summary>
    internal async Task RunInlineAsync(IDocumentOperations operations, CancellationToken cancellationToken)
    {
        if (CurrentInline.Value is not { Ran: false } inline || participants.Count == 0)
        {
            return;
        }

        inline.Ran = true;
        var names = inline.Envelopes.Select(e => e.Recorded.EventType).ToList();
        List<PendingEvent>? pending = null;
        try
        {
            foreach (var participant in participants.Where(p => p.AppliesTo(names)))
            {
                pending ??= [.. inline.Envelopes.Select(e => e.ToPending())];
                if (participant.PlanWrites(pending) is { } writes)
                {
                    foreach (var write in writes)
                    {
                        operations.QueueOperation(new Projections.QueuedCommand(write.ToBatchCommand()));
                    }

                    continue;
                }

                try
                {
                    await participant.OnAppendingAsync(new AppendContext(inline.Transaction, inline.StreamId, inline.StreamType, inline.Envelopes) { Committed = inline.AfterCommit }, cancellationToken);
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
                {
                    // A row written beside the events already exists: another writer got there first.
                    throw new WrongExpectedVersionException(inline.StreamId, ExpectedVersion.Any, inline.Envelopes[0].Recorded.StreamVersion - 1);
                }
            }
        }
        catch (Exception ex)
        {
            inline.Failure = ex;
            throw;
        }
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
