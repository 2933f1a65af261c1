using System.Text;
using System.Text.Json;
using Ledger.EventStore.Hashing;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Schema;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.EventStore;

/// <summary>
/// The event store: appends to one stream per transaction (optimistic version check, per-stream advisory lock
/// taken first, hash chain, optional encryption), reads streams and the gap-free global log, and aggregates
/// state as of a version or an instant.
/// </summary>
public sealed partial class EventStore : IAsyncDisposable
{
    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly NpgsqlDataSource dataSource;
    private readonly IClock clock;
    private readonly IPayloadProtector? protector;
    private readonly List<IAppendParticipant> participants = [];
    private readonly CommitNotifier notifier;
    private readonly string schema;
    private readonly int lockClass;
    private readonly string sqlLockAndRead;
    private readonly string sqlInsertEvents;
    private readonly string sqlInsertStream;
    private readonly string sqlUpdateStream;
    private readonly string sqlFindEvents;

    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry registry, IClock clock, EventStoreOptions? options = null, IPayloadProtector? protector = null)
    {
        this.dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        Options = options ?? new EventStoreOptions();
        Options.Validate();
        this.protector = protector;
        schema = Options.Schema;
        lockClass = LockKeys.StreamClass(schema);
        notifier = new CommitNotifier(dataSource, Options.NotificationChannel);
        sqlLockAndRead = $"SELECT version, head_hash, archived_at IS NOT NULL, stream_type, updated_at FROM {schema}.streams WHERE stream_id = @id";
        sqlInsertEvents = $"""
            INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, data, data_encrypted, key_id, metadata, recorded_at, hash)
            SELECT @stream, u.v, u.e, u.t, u.d, u.x, u.k, u.m, @at, u.h
            FROM unnest(@versions, @ids, @types, @data, @encrypted, @keys, @metadata, @hashes) AS u(v, e, t, d, x, k, m, h)
            RETURNING global_position, stream_version, transaction_id::text
            """;
        sqlInsertStream = $"INSERT INTO {schema}.streams (stream_id, stream_type, version, head_hash, created_at, updated_at) VALUES (@id, @type, @version, @head, @at, @at)";
        sqlUpdateStream = $"UPDATE {schema}.streams SET version = @version, head_hash = @head, updated_at = @at WHERE stream_id = @id";
        sqlFindEvents = $"SELECT event_id, stream_id, stream_version, global_position FROM {schema}.events WHERE event_id = ANY(@ids)";
    }

    public EventTypeRegistry Registry { get; }

    public EventStoreOptions Options { get; }

    /// <summary>The data source the store writes through (for components that share its transactions).</summary>
    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Raised in this process after a commit that appended events (used to wake local readers at once).</summary>
    public event Action? Committed
    {
        add => notifier.Committed += value;
        remove => notifier.Committed -= value;
    }

    /// <summary>Adds work that runs inside every append's transaction (inline projections, outbox).</summary>
    public void AddParticipant(IAppendParticipant participant) => participants.Add(participant ?? throw new ArgumentNullException(nameof(participant)));

    /// <summary>Creates or upgrades the store's schema.</summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default) =>
        Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations, "event_store", cancellationToken);

    /// <summary>Appends events to one stream in a transaction of its own.</summary>
    public async Task<AppendResult> AppendAsync(Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(streamType, events);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        AppendResult result;
        try
        {
            result = await AppendCoreAsync(transaction, ownsTransaction: true, streamId, streamType, expected, events, options, cancellationToken);
            if (result.AlreadyStored)
            {
                await transaction.RollbackAsync(cancellationToken);
                return result;
            }

            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            return await ResolveDuplicateAsync(connection, null, streamId, expected, events, ex, cancellationToken);
        }

        notifier.Notify();
        return result;
    }

    /// <summary>
    /// Appends events to one stream inside the caller's transaction, which must not have written anything yet
    /// (the stream lock has to be its first write). The caller commits, then calls <see cref="NotifyCommitted"/>.
    /// </summary>
    public async Task<AppendResult> AppendAsync(NpgsqlTransaction transaction, Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        Validate(streamType, events);
        return await AppendCoreAsync(transaction, ownsTransaction: false, streamId, streamType, expected, events, options, cancellationToken);
    }

    /// <summary>Wakes readers after a commit of events appended in a caller's transaction.</summary>
    public void NotifyCommitted() => notifier.Notify();

    /// <summary>Marks a stream archived: reads go on working, appends are refused.</summary>
    public async Task ArchiveStreamAsync(Guid streamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {schema}.streams SET archived_at = COALESCE(archived_at, @at) WHERE stream_id = @id");
        command.Parameters.AddWithValue("id", streamId);
        command.Parameters.AddWithValue("at", Now().ToDateTimeUtc());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new StreamNotFoundException(streamId);
        }
    }

    /// <summary>Reads a stored event's payload as its current class (upcast when stored under an old name).</summary>
    public object Deserialize(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.IsErased || recorded.Data is null)
        {
            throw new PayloadErasedException(recorded.StreamId, recorded.StreamVersion);
        }

        return Registry.Deserialize(recorded.EventType, recorded.Data);
    }

    public ValueTask DisposeAsync() => notifier.DisposeAsync();

    internal static string MetadataText(EventMetadata? metadata) =>
        JsonbText.Render(JsonSerializer.SerializeToUtf8Bytes(metadata ?? EventMetadata.Empty, MetadataJson));

    internal static EventMetadata ParseMetadata(string text) =>
        JsonSerializer.Deserialize<EventMetadata>(text, MetadataJson) ?? EventMetadata.Empty;

    internal static byte[] AssociatedData(Guid streamId, Guid eventId) => Encoding.ASCII.GetBytes($"{streamId:D}/{eventId:D}");

    private static void Validate(string streamType, IReadOnlyList<EventToAppend> events)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamType);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("an append needs at least one event", nameof(events));
        }

        if (events.Select(e => e.EventId).Distinct().Count() != events.Count)
        {
            throw new ArgumentException("an append cannot carry the same event id twice", nameof(events));
        }
    }

    /// <summary>The current instant truncated to PostgreSQL's microsecond precision.</summary>
    private Instant Now()
    {
        var ticks = clock.GetCurrentInstant().ToUnixTimeTicks();
        return Instant.FromUnixTimeTicks(ticks - (ticks % 10));
    }

    private async Task<AppendResult> AppendCoreAsync(NpgsqlTransaction transaction, bool ownsTransaction, Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection ?? throw new InvalidOperationException("the transaction is no longer open");

        // The stream's advisory lock must come before any write of this transaction: a transaction id is
        // assigned on the first write, and the lock makes transaction-id order agree with version order.
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            if (!ownsTransaction)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_current_xact_id_if_assigned() IS NULL"));
            }

            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@class, @key)");
            lockCommand.Parameters.AddWithValue("class", lockClass);
            lockCommand.Parameters.AddWithValue("key", LockKeys.Stream(streamId));
            batch.BatchCommands.Add(lockCommand);
            var read = new NpgsqlBatchCommand(sqlLockAndRead);
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
            StreamRow? row = null;
            if (await reader.ReadAsync(cancellationToken))
            {
                row = new StreamRow(reader.GetInt64(0), (byte[])reader[1], reader.GetBoolean(2), reader.GetString(3), Instant.FromDateTimeUtc(reader.GetDateTime(4)));
            }

            await reader.DisposeAsync();
            return await WriteAsync(transaction, ownsTransaction, streamId, streamType, expected, events, options, row, cancellationToken);
        }
    }

    private async Task<AppendResult> WriteAsync(NpgsqlTransaction transaction, bool ownsTransaction, Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options, StreamRow? row, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        if (!expected.IsSatisfiedBy(row?.Version) || !ownsTransaction)
        {
            var existing = await FindStoredAsync(connection, transaction, streamId, events, cancellationToken);
            if (existing is not null)
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

        if (row is not null && row.Type != streamType)
        {
            throw new StreamTypeMismatchException(streamId, streamType, row.Type);
        }

        var now = Now();
        if (row is not null && row.UpdatedAt > now)
        {
            now = row.UpdatedAt; // recorded-at never goes backwards within a stream, whatever the node's clock says
        }

        var micros = now.ToUnixTimeTicks() / 10;
        var count = events.Count;
        var versions = new long[count];
        var ids = new Guid[count];
        var types = new string[count];
        var data = new string?[count];
        var encrypted = new byte[]?[count];
        var keys = new Guid?[count];
        var metadata = new string[count];
        var hashes = new byte[count][];
        var objects = new object[count];
        var previous = row?.HeadHash ?? EventHasher.Genesis.ToArray();
        var version = row?.Version ?? 0;
        for (var i = 0; i < count; i++)
        {
            var e = events[i];
            version++;
            var (storedName, json) = Registry.Serialize(e.Data);
            var text = JsonbText.Render(json);
            ReadOnlyMemory<byte> payload;
            if (options?.EncryptFor is { } subject)
            {
                var protectorToUse = protector ?? throw new InvalidOperationException("an append asks for encryption but the store has no payload protector configured");
                var sealedPayload = await protectorToUse.EncryptAsync(transaction, subject, Encoding.UTF8.GetBytes(text), AssociatedData(streamId, e.EventId), cancellationToken);
                encrypted[i] = sealedPayload.Ciphertext;
                keys[i] = sealedPayload.KeyId;
                payload = sealedPayload.Ciphertext;
            }
            else
            {
                data[i] = text;
                payload = Encoding.UTF8.GetBytes(text);
            }

            versions[i] = version;
            ids[i] = e.EventId;
            types[i] = storedName;
            metadata[i] = MetadataText(e.Metadata);
            objects[i] = e.Data;
            previous = EventHasher.Compute(previous, new HashedFields(streamId, version, e.EventId, storedName, micros, keys[i], metadata[i], payload));
            hashes[i] = previous;
        }

        var positions = new Dictionary<long, (long Position, ulong Transaction)>(count);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var insert = new NpgsqlBatchCommand(sqlInsertEvents);
            insert.Parameters.AddWithValue("stream", streamId);
            insert.Parameters.AddWithValue("at", now.ToDateTimeUtc());
            insert.Parameters.AddWithValue("versions", versions);
            insert.Parameters.AddWithValue("ids", ids);
            insert.Parameters.AddWithValue("types", types);
            insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = data });
            insert.Parameters.Add(new NpgsqlParameter("encrypted", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = encrypted });
            insert.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = keys });
            insert.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = metadata });
            insert.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = hashes });
            batch.BatchCommands.Add(insert);

            var stream = new NpgsqlBatchCommand(row is null ? sqlInsertStream : sqlUpdateStream);
            stream.Parameters.AddWithValue("id", streamId);
            stream.Parameters.AddWithValue("version", version);
            stream.Parameters.AddWithValue("head", previous);
            stream.Parameters.AddWithValue("at", now.ToDateTimeUtc());
            if (row is null)
            {
                stream.Parameters.AddWithValue("type", streamType);
            }

            batch.BatchCommands.Add(stream);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                positions[reader.GetInt64(1)] = (reader.GetInt64(0), ulong.Parse(reader.GetString(2), System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        var appended = new AppendedEvent[count];
        for (var i = 0; i < count; i++)
        {
            appended[i] = new AppendedEvent(ids[i], versions[i], positions[versions[i]].Position);
        }

        if (participants.Count > 0)
        {
            var envelopes = new AppendedEnvelope[count];
            for (var i = 0; i < count; i++)
            {
                var (position, transactionId) = positions[versions[i]];
                var recorded = new RecordedEvent(position, transactionId, streamId, versions[i], ids[i], types[i], data[i] ?? string.Empty, events[i].Metadata ?? EventMetadata.Empty, now, keys[i], IsErased: false);
                envelopes[i] = new AppendedEnvelope(recorded, objects[i]);
            }

            var context = new AppendContext(transaction, streamId, streamType, envelopes);
            foreach (var participant in participants)
            {
                await participant.OnAppendingAsync(context, cancellationToken);
            }
        }

        return new AppendResult(streamId, version, appended, AlreadyStored: false);
    }

    /// <summary>
    /// When every event id of the append is already stored as consecutive versions of this stream, the append
    /// happened before: its result, with nothing written. Null when none is stored. Throws on a partial match.
    /// </summary>
    private async Task<AppendResult?> FindStoredAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid streamId, IReadOnlyList<EventToAppend> events, CancellationToken cancellationToken)
    {
        var found = new Dictionary<Guid, (Guid Stream, long Version, long Position)>();
        await using (var command = new NpgsqlCommand(sqlFindEvents, connection, transaction))
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

    private async Task<AppendResult> ResolveDuplicateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid streamId, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, PostgresException error, CancellationToken cancellationToken)
    {
        var existing = await FindStoredAsync(connection, transaction, streamId, events, cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        // A unique violation that is not a repeated event id: another writer holds the version (only possible
        // when something bypassed the stream lock). Report it as the conflict it is, never as a raw error.
        long? actual = null;
        await using (var command = new NpgsqlCommand($"SELECT version FROM {schema}.streams WHERE stream_id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("id", streamId);
            actual = await command.ExecuteScalarAsync(cancellationToken) as long?;
        }

        throw new WrongExpectedVersionException(streamId, expected, actual) { Data = { ["constraint"] = error.ConstraintName } };
    }

    private sealed record StreamRow(long Version, byte[] HeadHash, bool Archived, string Type, Instant UpdatedAt);
}

/// <summary>The payload was encrypted under a data key that has been destroyed.</summary>
public sealed class PayloadErasedException(Guid streamId, long version)
    : Exception($"stream {streamId} version {version}: the payload is erased (its data key was destroyed)")
{
    public Guid StreamId { get; } = streamId;

    public long StreamVersion { get; } = version;
}
