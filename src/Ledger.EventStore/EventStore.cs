using System.Text;
using Ledger.EventStore.Hashing;
using Ledger.EventStore.MartenStore;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Schema;
using Ledger.EventStore.Serialization;
using Marten;
using Marten.Services;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore;

/// <summary>
/// The ledger's one append path over Marten's event store. Marten holds the events (<c>mt_events</c>,
/// <c>mt_streams</c>, Quick append); this layer adds what Marten lacks, in the same transaction: the per-stream hash
/// chain over the exact stored bytes, per-subject encryption, idempotency by event id, a stream type on every stream,
/// and typed errors for conflicts. Appends to one stream are serialised by a transaction advisory lock, so "any
/// version" appends chain correctly and never fail on each other.
/// </summary>
public sealed partial class EventStore : IAsyncDisposable
{
    /// <summary>The header that carries an event's chain hash (64 lower-case hex digits).</summary>
    public const string HashHeader = "ledger_hash";

    /// <summary>The header that carries an event's metadata, as the JSON text the hash covers.</summary>
    public const string MetadataHeader = "ledger_meta";

    /// <summary>
    /// SQL: the event row <paramref name="alias"/> is not one of Marten's tombstones. When a unit of work fails after
    /// drawing sequence numbers, Marten fills them with <c>tombstone</c> events in a stream of its own (a stream row
    /// with no type; the ledger sets a type on each of its streams), so that its daemon need not wait on the gap.
    /// They hold nothing of the ledger: the chain, checkpoints, reads, rebuilds and exports leave them out. An event
    /// named <c>tombstone</c> in one of the ledger's streams is not left out (it is tampering).
    /// </summary>
    public static string NotTombstone(string schema, string alias) =>
        $"NOT ({alias}.type = 'tombstone' AND EXISTS (SELECT 1 FROM {schema}.mt_streams tomb WHERE tomb.id = {alias}.stream_id AND tomb.type IS NULL))";

    /// <summary>SQL: the stream row <paramref name="alias"/> is not Marten's tombstone stream (see <see cref="NotTombstone"/>).</summary>
    public static string NotTombstoneStream(string schema, string alias) =>
        $"NOT ({alias}.type IS NULL AND {alias}.version = 0 AND EXISTS (SELECT 1 FROM {schema}.mt_events tomb WHERE tomb.stream_id = {alias}.id) AND NOT EXISTS (SELECT 1 FROM {schema}.mt_events tomb WHERE tomb.stream_id = {alias}.id AND tomb.type <> 'tombstone'))";

    /// <summary>The tag that starts the canonical bytes of an event stored by Marten (see docs/event-store.md).</summary>
    public static ReadOnlySpan<byte> HashTag => "ledger.event.v2"u8;

    private readonly NpgsqlDataSource dataSource;
    private readonly IClock clock;
    private readonly IPayloadProtector? protector;
    private readonly PayloadSerializer serializer;
    private readonly string schema;
    private readonly int lockClass;
    private readonly Lazy<IDocumentStore> lazyDocuments;
    private readonly bool ownsDocuments;
    private readonly List<IAppendParticipant> participants = [];
    private readonly CommitNotifier notifier;

    private static readonly System.Text.Json.JsonSerializerOptions MetadataJson = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>A store with a Marten document store of its own (tools, tests).</summary>
    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry registry, IClock clock, EventStoreOptions? options = null, IPayloadProtector? protector = null, Action<StoreOptions>? configureMarten = null, IEnumerable<Projections.IProjection>? asyncProjections = null)
        : this(dataSource, registry, clock, options, protector, configureMarten, asyncProjections, documents: null)
    {
    }

    /// <summary>
    /// A store over a Marten document store built elsewhere from <see cref="MartenOptions"/> (the host's, through
    /// <c>AddMarten</c>, so that Wolverine integrates with it): <paramref name="documents"/> is called once, on first use.
    /// </summary>
    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry registry, IClock clock, EventStoreOptions? options, IPayloadProtector? protector, Action<StoreOptions>? configureMarten, IEnumerable<Projections.IProjection>? asyncProjections, Func<IDocumentStore>? documents)
    {
        this.dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        Registry = registry ?? throw new ArgumentNullException(nameof(registry));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        Options = options ?? new EventStoreOptions();
        Options.Validate();
        this.protector = protector;
        schema = Options.Schema;
        lockClass = LockKeys.StreamClass(schema);
        serializer = new PayloadSerializer(registry, protector);
        notifier = new CommitNotifier(dataSource, Options.NotificationChannel);
        var marten = LedgerMartenOptions.Create(dataSource, schema, registry, serializer);
        foreach (var projection in asyncProjections ?? [])
        {
            foreach (var table in projection.Tables)
            {
                table.Validate();
            }

            marten.Projections.Add(new Projections.MartenProjection(projection, this), JasperFx.Events.Projections.ProjectionLifecycle.Async, projection.Name, asyncConfiguration: async => async.BatchSize = LedgerMartenOptions.ProjectionBatchSize);
        }

        marten.Projections.Add(new Projections.MartenInlineProjections(this), JasperFx.Events.Projections.ProjectionLifecycle.Inline, Projections.MartenInlineProjections.Name);
        AsyncProjections = (asyncProjections ?? []).ToList();
        configureMarten?.Invoke(marten);
        MartenOptions = marten;
        ownsDocuments = documents is null;
        lazyDocuments = new Lazy<IDocumentStore>(documents ?? (() => new DocumentStore(marten)), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>Marten's options for the ledger's events (see <see cref="MartenStore.LedgerMartenOptions"/>).</summary>
    public StoreOptions MartenOptions { get; }

    public EventTypeRegistry Registry { get; }

    /// <summary>The ledger projections Marten's async daemon runs.</summary>
    public IReadOnlyList<Projections.IProjection> AsyncProjections { get; }

    public EventStoreOptions Options { get; }

    /// <summary>Marten's document store, configured for the ledger (projections are added through the constructor's <c>configureMarten</c>).</summary>
    public IDocumentStore Documents => lazyDocuments.Value;

    public NpgsqlDataSource DataSource => dataSource;

    /// <summary>Raised in this process after a commit that appended events (wakes local readers at once).</summary>
    public event Action? Committed
    {
        add => notifier.Committed += value;
        remove => notifier.Committed -= value;
    }

    /// <summary>Adds work that runs inside every append's transaction, after the events (inline projections, outbox).</summary>
    public void AddParticipant(IAppendParticipant participant) => participants.Add(participant ?? throw new ArgumentNullException(nameof(participant)));

    /// <summary>Wakes local readers after a commit of events appended in a caller's transaction.</summary>
    public void NotifyCommitted() => notifier.Notify();

    /// <summary>Creates or upgrades Marten's event tables and the ledger's own tables beside them.</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default)
    {
        await Documents.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return await Migrator.MigrateAsync(dataSource, schema, Migrator.EventStoreMigrations, "event_store", cancellationToken);
    }

    /// <summary>Appends events to one stream in a transaction of its own.</summary>
    public async Task<AppendResult> AppendAsync(Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        Validate(streamType, events);
        var encoded = await EncodeAsync(streamId, events, options, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var result = await AppendCoreAsync(transaction, ownsTransaction: true, streamId, streamType, expected, encoded, options?.Writes ?? [], cancellationToken);
            if (result.AlreadyStored)
            {
                await transaction.RollbackAsync(cancellationToken);
                return result;
            }

            await transaction.CommitAsync(cancellationToken);
            await CommittedAsync(result, CancellationToken.None);
            return result;
        }
        catch (WrongExpectedVersionException) when (connection.State == System.Data.ConnectionState.Open)
        {
            // Marten reports a stored event id as a version conflict: look again outside the aborted transaction
            // and say which case it is (the same append already stored, an id used elsewhere, or a real conflict).
            if (await FindStoredAsync(connection, null, streamId, events, cancellationToken) is { } stored)
            {
                return stored;
            }

            throw;
        }
    }

    /// <summary>
    /// Appends events to one stream inside the caller's transaction (the caller commits). A conflict aborts the
    /// caller's transaction, as any failed statement does.
    /// </summary>
    public async Task<AppendResult> AppendAsync(NpgsqlTransaction transaction, Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        Validate(streamType, events);
        var encoded = await EncodeAsync(streamId, events, options, cancellationToken);
        return await AppendCoreAsync(transaction, ownsTransaction: false, streamId, streamType, expected, encoded, options?.Writes ?? [], cancellationToken);
    }

    /// <summary>
    /// After the caller committed an append made in its transaction: wakes local readers and runs what the append's
    /// participants asked to run after the commit. Appends in a transaction of their own do this themselves.
    /// </summary>
    public async Task CommittedAsync(AppendResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        NotifyCommitted();
        foreach (var work in result.AfterCommit)
        {
            try
            {
                await work(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The work only hastens what recovery does anyway (messages stored in the transaction are kept).
                AfterCommitFailed?.Invoke(ex);
            }
        }
    }

    /// <summary>Raised when work registered with <see cref="AppendContext.AfterCommit"/> throws (the append stands).</summary>
    public event Action<Exception>? AfterCommitFailed;

    /// <summary>Marks a stream archived (Marten's archive): reads go on working, appends are refused.</summary>
    public async Task ArchiveStreamAsync(Guid streamId, CancellationToken cancellationToken = default)
    {
        if (await GetStreamAsync(streamId, cancellationToken) is null)
        {
            throw new StreamNotFoundException(streamId);
        }

        await using var session = Documents.LightweightSession();
        session.Events.ArchiveStream(streamId);
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Reads a stored event's payload as its current class.</summary>
    public object Deserialize(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        if (recorded.IsErased || recorded.Data is null)
        {
            throw new PayloadErasedException(recorded.StreamId, recorded.StreamVersion);
        }

        return Registry.Deserialize(recorded.EventType, recorded.Data);
    }

    public async ValueTask DisposeAsync()
    {
        if (ownsDocuments && lazyDocuments.IsValueCreated)
        {
            lazyDocuments.Value.Dispose();
        }

        await notifier.DisposeAsync();
    }

    /// <summary>The hash of one event as stored by Marten: <c>SHA-256(previous ‖ canonical bytes)</c>, tag <c>ledger.event.v2</c>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> previous, Guid streamId, long version, Guid eventId, string eventType, Instant recordedAt, string metadata, ReadOnlyMemory<byte> stored) =>
        EventHasher.Compute(previous, new HashedFields(streamId, version, eventId, eventType, Micros(recordedAt), null, metadata, stored), HashTag);

    internal static string MetadataText(EventMetadata? metadata) =>
        System.Text.Json.JsonSerializer.Serialize(metadata ?? EventMetadata.Empty, MetadataJson);

    internal static EventMetadata ParseMetadata(string text) =>
        System.Text.Json.JsonSerializer.Deserialize<EventMetadata>(text, MetadataJson) ?? EventMetadata.Empty;

    internal static byte[] AssociatedData(Guid streamId, Guid eventId) => Encoding.ASCII.GetBytes($"{streamId:D}/{eventId:D}");

    /// <summary>
    /// The lock every append holds shared while it writes and a checkpoint takes exclusively, so a checkpoint never
    /// covers a position at which an event could still commit.
    /// </summary>
    public static long AppendBarrierKey(string schema) => LockKeys.Named(schema, "append_barrier");

    internal static long Micros(Instant instant) => instant.ToUnixTimeTicks() / 10;

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

    /// <summary>Serializes and, when asked, seals each payload once, before any transaction opens (one key lookup an append).</summary>
    private async Task<Encoded[]> EncodeAsync(Guid streamId, IReadOnlyList<EventToAppend> events, AppendOptions? options, CancellationToken cancellationToken)
    {
        var names = new string[events.Count];
        var jsons = new byte[events.Count][];
        for (var i = 0; i < events.Count; i++)
        {
            var (storedName, serialized) = Registry.Serialize(events[i].Data);
            names[i] = storedName;
            jsons[i] = JsonbText.RenderUtf8(serialized); // one canonical text, readable in the clear (no \u escapes)
        }

        var stored = new byte[events.Count][];
        if (options?.EncryptFor is { } subject)
        {
            var keys = protector ?? throw new InvalidOperationException("an append asks for encryption but the store has no payload protector configured");
            var sealedPayloads = await keys.EncryptManyAsync(subject, jsons.Select((json, i) => ((ReadOnlyMemory<byte>)json, (ReadOnlyMemory<byte>)AssociatedData(streamId, events[i].EventId))).ToList(), cancellationToken);
            for (var i = 0; i < events.Count; i++)
            {
                stored[i] = StoredPayload.ForSealed(sealedPayloads[i].KeyId, streamId, events[i].EventId, sealedPayloads[i].Ciphertext);
            }
        }
        else
        {
            for (var i = 0; i < events.Count; i++)
            {
                stored[i] = StoredPayload.ForClear(jsons[i]);
            }
        }

        var encoded = new Encoded[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            encoded[i] = new Encoded(events[i], names[i], stored[i], MetadataText(events[i].Metadata), events[i].Metadata ?? EventMetadata.Empty);
        }

        return encoded;
    }

    private sealed record Encoded(EventToAppend Source, string StoredName, byte[] Stored, string MetadataText, EventMetadata Metadata);

    private sealed record StreamRow(long Version, string? Type, bool Archived, byte[] Head, Instant? HeadAt);

    /// <summary>The current instant truncated to PostgreSQL's microsecond precision.</summary>
    private Instant Now()
    {
        var ticks = clock.GetCurrentInstant().ToUnixTimeTicks();
        return Instant.FromUnixTimeTicks(ticks - (ticks % 10));
    }

    private static byte[] HexToBytes(string? hex) => hex is null ? EventHasher.Genesis.ToArray() : Convert.FromHexString(hex);

    private static string BytesToHex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static string Text(ReadOnlyMemory<byte> utf8) => Encoding.UTF8.GetString(utf8.Span);
}

/// <summary>The payload was encrypted under a data key that has been destroyed.</summary>
public sealed class PayloadErasedException(Guid streamId, long version)
    : Exception($"stream {streamId} version {version}: the payload is erased (its data key was destroyed)")
{
    public Guid StreamId { get; } = streamId;

    public long StreamVersion { get; } = version;
}
