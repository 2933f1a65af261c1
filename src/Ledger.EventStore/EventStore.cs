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
    private readonly AppendSql sql;
    private readonly StreamHeadCache heads = new();

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
        sql = new AppendSql(schema);
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
        var encoded = await EncodeAsync(streamId, events, options, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        Outcome? result;
        try
        {
            var writes = options?.Writes ?? [];
            result = await TryAppendInOneRoundTripAsync(connection, streamId, streamType, expected, encoded, writes, cancellationToken);
            if (result is null)
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                result = await AppendCoreAsync(transaction, ownsTransaction: true, streamId, streamType, expected, encoded, writes, cancellationToken);
                if (result.AlreadyStored)
                {
                    await transaction.RollbackAsync(cancellationToken);
                    return result.Result;
                }

                await transaction.CommitAsync(cancellationToken);
            }
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return await ResolveDuplicateAsync(connection, streamId, expected, events, ex, cancellationToken);
        }

        heads.Remember(streamId, streamType, result.NextExpectedVersion, result.Head, result.RecordedAt);
        notifier.Notify();
        return result.Result;
    }

    /// <summary>
    /// Appends events to one stream inside the caller's transaction, which must not have written anything yet
    /// (the stream lock has to be its first write). The caller commits, then calls <see cref="NotifyCommitted"/>.
    /// </summary>
    public async Task<AppendResult> AppendAsync(NpgsqlTransaction transaction, Guid streamId, string streamType, ExpectedVersion expected, IReadOnlyList<EventToAppend> events, AppendOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        Validate(streamType, events);
        var encoded = await EncodeAsync(streamId, events, options, cancellationToken);
        heads.Forget(streamId); // the caller may roll back: the cache learns the head again on the next read
        return (await AppendCoreAsync(transaction, ownsTransaction: false, streamId, streamType, expected, encoded, options?.Writes ?? [], cancellationToken)).Result;
    }

    /// <summary>Wakes readers after a commit of events appended in a caller's transaction.</summary>
    public void NotifyCommitted() => notifier.Notify();

    /// <summary>Marks a stream archived: reads go on working, appends are refused.</summary>
    public async Task ArchiveStreamAsync(Guid streamId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {schema}.streams SET archived_at = COALESCE(archived_at, @at) WHERE stream_id = @id");
        command.Parameters.AddWithValue("id", streamId);
        command.Parameters.AddWithValue("at", Now().ToDateTimeUtc());
        heads.Forget(streamId);
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

    private static readonly string EmptyMetadataText = JsonbText.Render(JsonSerializer.SerializeToUtf8Bytes(EventMetadata.Empty, MetadataJson));

    internal static string MetadataText(EventMetadata? metadata) =>
        metadata is null || metadata == EventMetadata.Empty
            ? EmptyMetadataText
            : JsonbText.Render(JsonSerializer.SerializeToUtf8Bytes(metadata, MetadataJson));

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

}

/// <summary>The payload was encrypted under a data key that has been destroyed.</summary>
public sealed class PayloadErasedException(Guid streamId, long version)
    : Exception($"stream {streamId} version {version}: the payload is erased (its data key was destroyed)")
{
    public Guid StreamId { get; } = streamId;

    public long StreamVersion { get; } = version;
}
