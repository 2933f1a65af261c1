using System.Globalization;
using System.Text;
using Ledger.EventStore.Hashing;
using Ledger.EventStore.Schema;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.EventStore;

public sealed partial class EventStore
{
    /// <summary>
    /// Serializes each event to its canonical jsonb text and, when asked, encrypts it. Done before any
    /// transaction opens, so no lock is held while payloads are prepared.
    /// </summary>
    private async Task<EncodedEvent[]> EncodeAsync(Guid streamId, IReadOnlyList<EventToAppend> events, AppendOptions? options, CancellationToken cancellationToken)
    {
        var encoded = new EncodedEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var (storedName, json) = Registry.Serialize(e.Data);
            var canonical = JsonbText.RenderUtf8(json);
            var metadata = MetadataText(e.Metadata);
            if (options?.EncryptFor is { } subject)
            {
                var protectorToUse = protector ?? throw new InvalidOperationException("an append asks for encryption but the store has no payload protector configured");
                var sealedPayload = await protectorToUse.EncryptAsync(subject, canonical, AssociatedData(streamId, e.EventId), cancellationToken);
                encoded[i] = new EncodedEvent(e, storedName, null, sealedPayload.Ciphertext, sealedPayload.KeyId, metadata);
            }
            else
            {
                encoded[i] = new EncodedEvent(e, storedName, Encoding.UTF8.GetString(canonical), canonical, null, metadata);
            }
        }

        return encoded;
    }

    /// <summary>
    /// The common cases in one round trip and one implicit transaction: a new stream (its previous hash is the
    /// genesis) or a stream whose head this process knows. The stream lock comes first as always; the stream
    /// row is written only if it is still exactly as known, and the events only if the stream row was written.
    /// Null when the stream was not as known (another writer, another node, an archive): the caller then takes
    /// the path that reads the stream first.
    /// </summary>
    private async Task<Outcome?> TryAppendInOneRoundTripAsync(NpgsqlConnection connection, Guid streamId, string streamType, ExpectedVersion expected, EncodedEvent[] encoded, IReadOnlyList<SqlWrite> extraWrites, CancellationToken cancellationToken)
    {
        StreamHead? known = null;
        if (!expected.IsNoStream)
        {
            known = heads.Find(streamId);
            if (known is null || known.Type != streamType || (!expected.IsAny && expected.Value != known.Version))
            {
                return null;
            }
        }

        var writes = new List<SqlWrite>(extraWrites);
        if (participants.Count > 0)
        {
            var names = encoded.Select(e => e.StoredName).ToList();
            PendingEvent[]? pending = null;
            foreach (var participant in participants.Where(p => p.AppliesTo(names)))
            {
                pending ??= Pending(streamId, encoded, known?.Version ?? 0);
                if (participant.PlanWrites(pending) is not { } planned)
                {
                    return null;
                }

                writes.AddRange(planned);
            }
        }

        // Writes beside the events are guarded by the stream row's insert, which fails (and so aborts the whole
        // implicit transaction) when the stream exists; an update of a known head cannot guard them that way.
        if (writes.Count > 0 && known is not null)
        {
            return null;
        }

        var now = Now();
        if (known is not null && known.UpdatedAt > now)
        {
            return null;
        }

        var chained = Chain(streamId, encoded, known?.Head ?? EventHasher.Genesis.ToArray(), known?.Version ?? 0, now);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(LockCommand(streamId));
        var write = new NpgsqlBatchCommand(known is not null ? sql.UpdateKnownStreamWithEvents : writes.Count > 0 ? sql.InsertNewStreamWithEventsOrFail : sql.InsertNewStreamWithEvents);
        AddEventParameters(write, streamId, encoded, chained, now);
        write.Parameters.AddWithValue("version", chained.Version);
        write.Parameters.AddWithValue("head", chained.Head);
        if (known is null)
        {
            write.Parameters.AddWithValue("type", streamType);
        }
        else
        {
            write.Parameters.AddWithValue("expected", known.Version);
            write.Parameters.AddWithValue("previous", known.Head);
        }

        batch.BatchCommands.Add(write);
        foreach (var extra in writes)
        {
            batch.BatchCommands.Add(extra.ToBatchCommand());
        }

        var positions = new Dictionary<long, (long Position, ulong Transaction)>(encoded.Length);
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            await ReadPositionsAsync(reader, positions, cancellationToken);
            while (await reader.NextResultAsync(cancellationToken))
            {
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "streams_pkey")
        {
            // The stream exists after all: nothing was written; the path that reads the stream first decides.
            heads.Forget(streamId);
            return null;
        }

        if (positions.Count == 0)
        {
            heads.Forget(streamId);
            return null;
        }

        return new Outcome(Result(streamId, encoded, chained, positions), chained.Head, now);
    }

    private async Task<Outcome> AppendCoreAsync(NpgsqlTransaction transaction, bool ownsTransaction, Guid streamId, string streamType, ExpectedVersion expected, EncodedEvent[] encoded, IReadOnlyList<SqlWrite> extraWrites, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection ?? throw new InvalidOperationException("the transaction is no longer open");

        // The stream's advisory lock must come before any write of this transaction: a transaction id is
        // assigned on the first write, and the lock makes transaction-id order agree with version order.
        StreamRow? row = null;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (!ownsTransaction)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_xact_id_if_assigned() IS NULL"));
            }

            batch.BatchCommands.Add(LockCommand(streamId));
            var read = new NpgsqlBatchCommand(sql.ReadStream);
            read.Parameters.AddWithValue("id", streamId);
            batch.BatchCommands.Add(read);

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            if (!ownsTransaction)
            {
                await reader.ReadAsync(cancellationToken);
                if (!reader.GetBoolean(0))
                {
                    throw new InvalidOperationException("an append inside a caller's transaction must be that transaction's first write (the stream lock has to come first)");
                }

                await reader.NextResultAsync(cancellationToken);
            }

            await reader.NextResultAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                row = new StreamRow(reader.GetInt64(0), (byte[])reader[1], reader.GetBoolean(2), reader.GetString(3), ToInstant(reader.GetDateTime(4)));
            }
        }

        if (!expected.IsSatisfiedBy(row?.Version) || !ownsTransaction)
        {
            var existing = await FindStoredAsync(connection, transaction, streamId, encoded.Select(e => e.Source).ToList(), cancellationToken);
            if (existing is not null)
            {
                return new Outcome(existing, null, default);
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

        if (row is not null && row.Type != streamType)
        {
            throw new StreamTypeMismatchException(streamId, streamType, row.Type);
        }

        var now = Now();
        if (row is not null && row.UpdatedAt > now)
        {
            now = row.UpdatedAt; // recorded-at never goes backwards within a stream, whatever the node's clock says
        }

        var chained = Chain(streamId, encoded, row?.HeadHash ?? EventHasher.Genesis.ToArray(), row?.Version ?? 0, now);
        var positions = new Dictionary<long, (long Position, ulong Transaction)>(encoded.Length);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var insert = new NpgsqlBatchCommand(sql.InsertEvents);
            AddEventParameters(insert, streamId, encoded, chained, now);
            batch.BatchCommands.Add(insert);

            var stream = new NpgsqlBatchCommand(row is null ? sql.InsertStream : sql.UpdateStream);
            stream.Parameters.AddWithValue("id", streamId);
            stream.Parameters.AddWithValue("version", chained.Version);
            stream.Parameters.AddWithValue("head", chained.Head);
            stream.Parameters.AddWithValue("at", now.ToDateTimeUtc());
            if (row is null)
            {
                stream.Parameters.AddWithValue("type", streamType);
            }

            batch.BatchCommands.Add(stream);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await ReadPositionsAsync(reader, positions, cancellationToken);
        }

        var result = Result(streamId, encoded, chained, positions);
        if (participants.Count > 0)
        {
            var envelopes = new AppendedEnvelope[encoded.Length];
            for (var i = 0; i < encoded.Length; i++)
            {
                var version = chained.Versions[i];
                var (position, transactionId) = positions[version];
                var e = encoded[i];
                var recorded = new RecordedEvent(position, transactionId, streamId, version, e.Source.EventId, e.StoredName, e.Text, e.Source.Metadata ?? EventMetadata.Empty, now, e.KeyId, IsErased: false);
                envelopes[i] = new AppendedEnvelope(recorded, e.Source.Data);
            }

            var context = new AppendContext(transaction, streamId, streamType, envelopes);
            var names = encoded.Select(e => e.StoredName).ToList();
            foreach (var participant in participants.Where(p => p.AppliesTo(names)))
            {
                await participant.OnAppendingAsync(context, cancellationToken);
            }
        }

        await SqlWrite.ExecuteAsync(extraWrites, transaction, cancellationToken);

        return new Outcome(result, chained.Head, now);
    }

    private static PendingEvent[] Pending(Guid streamId, EncodedEvent[] encoded, long version)
    {
        var pending = new PendingEvent[encoded.Length];
        for (var i = 0; i < encoded.Length; i++)
        {
            pending[i] = new PendingEvent(streamId, version + i + 1, encoded[i].Source.EventId, encoded[i].StoredName, encoded[i].Source.Data);
        }

        return pending;
    }

    private static Chained Chain(Guid streamId, EncodedEvent[] encoded, byte[] previous, long version, Instant now)
    {
        var micros = now.ToUnixTimeTicks() / 10;
        var versions = new long[encoded.Length];
        var hashes = new byte[encoded.Length][];
        for (var i = 0; i < encoded.Length; i++)
        {
            var e = encoded[i];
            version++;
            previous = EventHasher.Compute(previous, new HashedFields(streamId, version, e.Source.EventId, e.StoredName, micros, e.KeyId, e.Metadata, e.Payload));
            versions[i] = version;
            hashes[i] = previous;
        }

        return new Chained(versions, hashes, version, previous);
    }

    private static void AddEventParameters(NpgsqlBatchCommand command, Guid streamId, EncodedEvent[] encoded, Chained chained, Instant now)
    {
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("at", now.ToDateTimeUtc());
        command.Parameters.AddWithValue("versions", chained.Versions);
        command.Parameters.AddWithValue("ids", encoded.Select(e => e.Source.EventId).ToArray());
        command.Parameters.AddWithValue("types", encoded.Select(e => e.StoredName).ToArray());
        command.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = encoded.Select(e => e.Text).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("encrypted", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = encoded.Select(e => e.KeyId is null ? null : e.Payload).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = encoded.Select(e => e.KeyId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = encoded.Select(e => e.Metadata).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = chained.Hashes });
    }

    private static async Task ReadPositionsAsync(NpgsqlDataReader reader, Dictionary<long, (long Position, ulong Transaction)> positions, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            positions[reader.GetInt64(1)] = (reader.GetInt64(0), ulong.Parse(reader.GetString(2), CultureInfo.InvariantCulture));
        }
    }

    private static AppendResult Result(Guid streamId, EncodedEvent[] encoded, Chained chained, Dictionary<long, (long Position, ulong Transaction)> positions)
    {
        var appended = new AppendedEvent[encoded.Length];
        for (var i = 0; i < encoded.Length; i++)
        {
            appended[i] = new AppendedEvent(encoded[i].Source.EventId, chained.Versions[i], positions[chained.Versions[i]].Position);
        }

        return new AppendResult(streamId, chained.Version, appended, AlreadyStored: false);
    }

    private NpgsqlBatchCommand LockCommand(Guid streamId)
    {
        var command = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@class, @key)");
        command.Parameters.AddWithValue("class", lockClass);
        command.Parameters.AddWithValue("key", LockKeys.Stream(streamId));
        return command;
    }

    /// <summary>
    /// When every event id of the append is already stored as consecutive versions of this stream, the append
    /// happened before: its result, with nothing written. Null when none is stored. Throws on a partial match.
    /// </summary>
    private async Task<AppendResult?> FindStoredAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid streamId, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, (Guid Stream, long Version, long Position)>();
        await using (var command = new NpgsqlCommand(sql.FindEvents, connection, transaction))
        {
            command.Parameters.AddWithValue("ids", events.Select(e => e.EventId).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                found[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetInt64(2), reader.GetInt64(3));
            }
        }

        if (found.Count == 0)
        {
            return null;
        }

        var appended = new List<AppendedEvent>(events.Count);
        long? previousVersion = null;
        foreach (var e in events)
        {
            if (!found.TryGetValue(e.EventId, out var stored))
            {
                throw new EventIdConflictException(streamId, events.First(x => found.ContainsKey(x.EventId)).EventId, "is already stored, but the other events of this append are not: the append is not a repeat of an earlier one");
            }

            if (stored.Stream != streamId)
            {
                throw new EventIdConflictException(streamId, e.EventId, $"is already stored in stream {stored.Stream}");
            }

            if (previousVersion is { } p && stored.Version != p + 1)
            {
                throw new EventIdConflictException(streamId, e.EventId, "is already stored, in another order than this append gives");
            }

            previousVersion = stored.Version;
            appended.Add(new AppendedEvent(e.EventId, stored.Version, stored.Position));
        }

        return new AppendResult(streamId, appended[^1].StreamVersion, appended, AlreadyStored: true);
    }

    private async Task<AppendResult> ResolveDuplicateAsync(NpgsqlConnection connection, Guid streamId, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, PostgresException error, CancellationToken cancellationToken)
    {
        heads.Forget(streamId);
        var existing = await FindStoredAsync(connection, null, streamId, events, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        // A unique violation that is not a repeated event id: another writer holds the version (only possible
        // when something bypassed the stream lock). Report it as the conflict it is, never as a raw error.
        long? actual;
        await using (var command = new NpgsqlCommand(sql.ReadVersion, connection))
        {
            command.Parameters.AddWithValue("id", streamId);
            actual = await command.ExecuteScalarAsync(cancellationToken) as long?;
        }

        throw new WrongExpectedVersionException(streamId, expected, actual) { Data = { ["constraint"] = error.ConstraintName } };
    }

    private sealed record EncodedEvent(EventToAppend Source, string StoredName, string? Text, byte[] Payload, Guid? KeyId, string Metadata);

    private sealed record Chained(long[] Versions, byte[][] Hashes, long Version, byte[] Head);

    private sealed record StreamRow(long Version, byte[] HeadHash, bool Archived, string Type, Instant UpdatedAt);

    /// <summary>What an append did; <see cref="Head"/> is null when nothing was written (a repeat).</summary>
    private sealed record Outcome(AppendResult Result, byte[]? Head, Instant RecordedAt)
    {
        public bool AlreadyStored => Result.AlreadyStored;

        public long NextExpectedVersion => Result.NextExpectedVersion;
    }
}
