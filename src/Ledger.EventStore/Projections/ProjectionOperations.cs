using System.Diagnostics.Metrics;
using System.Globalization;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>How a projection stands.</summary>
public enum ProjectionState
{
    /// <summary>A node runs it: Wolverine assigned its shard to that node, whose Marten daemon applies events to it.</summary>
    Running,

    /// <summary>No node runs it now (no node runs background work, or Wolverine has not assigned it yet).</summary>
    Stopped,

    /// <summary>Marten's daemon set events aside that failed to apply; an operator has not acknowledged them.</summary>
    Failed,
}

/// <summary>A projection's progress, lag and failures; <paramref name="Leader"/> names the node that runs it.</summary>
public sealed record ProjectionStatus(string Name, ProjectionState State, long Position, long EventsBehind, double SecondsBehind, string? Leader, string? LastError, long? FailedPosition);

/// <summary>Options of the <see cref="ProjectionOperations"/>.</summary>
public sealed record ProjectionOperationsOptions
{
    /// <summary>Events read and applied per transaction during a rebuild.</summary>
    public int RebuildBatchSize { get; init; } = 1_000;

    /// <summary>
    /// After how long without a health check the node assigned a projection counts as gone (the projection is shown
    /// stopped until Wolverine moves it): the messaging's <c>StaleNodeTimeout</c>.
    /// </summary>
    public TimeSpan StaleNodeTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Receives rebuild completions and skipped sequence ranges; none when null.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>
/// The operator's side of the ledger's async projections. Marten's daemon applies the events; which node runs each
/// projection is Wolverine's choice (its managed distribution assigns every projection shard to exactly one running
/// node and moves it when that node goes). What is here acts through the database alone, so the command line and any
/// node can use it against running nodes: status and lag (with the node that runs each projection, from Wolverine's
/// node assignments), a rebuild beside the live tables then a swap, and the handling of events Marten set aside.
/// </summary>
public sealed partial class ProjectionOperations(EventStore store, IReadOnlyList<IProjection> projections, ProjectionOperationsOptions? options = null)
{
    /// <summary>The meter of the projection gauges.</summary>
    public const string MeterName = "Ledger.EventStore.Projections";

    private static readonly Meter Meter = new(MeterName);
    private readonly ProjectionOperationsOptions settings = options ?? new ProjectionOperationsOptions();
    private readonly string schema = store.Options.Schema;
    private readonly SemaphoreSlim gate = new(1, 1);
    private long lastSkips = -1;
    private ObservableGauge<long>? skipsGauge;

    public IReadOnlyList<IProjection> Projections => projections;

    private ILogger Logger => settings.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Registers the gauge of skipped ranges (<c>ledger.projections.high_water_skips</c>) once.</summary>
    public void RegisterGauges() =>
        skipsGauge ??= Meter.CreateObservableGauge("ledger.projections.high_water_skips", () => Math.Max(0, Interlocked.Read(ref lastSkips)), description: "sequence ranges Marten's daemon skipped as dead");

    /// <summary>Waits until every projection has applied every committed event (Marten's non-stale check).</summary>
    public Task WaitForCatchUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        store.Documents.WaitForNonStaleProjectionDataAsync(timeout).WaitAsync(cancellationToken);

    /// <summary>Status and lag of every projection: Marten's progress, the newest event, failed events not yet acknowledged.</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        var progress = await ProgressAsync(connection, null, cancellationToken);
        var head = await store.GetHeadAsync(cancellationToken);
        var leaders = await LeadersAsync(connection, cancellationToken);
        var failures = await FailuresAsync(connection, cancellationToken);
        var result = new List<ProjectionStatus>();
        foreach (var projection in projections)
        {
            var position = progress.GetValueOrDefault(projection.Name);
            var behind = Math.Max(0, (head?.Position ?? 0) - position);
            double seconds = 0;
            if (behind > 0 && head is { } h)
            {
                var applied = await RecordedAtAsync(connection, position, cancellationToken);
                seconds = applied is null ? 0 : Math.Max(0, (h.RecordedAt - applied.Value).TotalSeconds);
            }

            var failure = failures.GetValueOrDefault(projection.Name);
            var leader = leaders.TryGetValue(projection.Name, out var node) ? node : ((string Node, bool Alive)?)null;
            var state = failure is not null ? ProjectionState.Failed : leader is { Alive: true } ? ProjectionState.Running : ProjectionState.Stopped;
            result.Add(new ProjectionStatus(projection.Name, state, position, behind, seconds, leader?.Node, failure?.Error, failure?.Sequence));
        }

        return result;
    }

    /// <summary>
    /// How many sequence ranges Marten's daemon skipped (<c>mt_high_water_skips</c>). With the Quick append mode it skips
    /// only numbers no live transaction holds (rolled back or abandoned), so a skip never hides a committed event (the
    /// gap test proves it); each new one is logged as a warning and counted in the <c>ledger.projections.high_water_skips</c> gauge.
    /// </summary>
    public async Task<long> CountHighWaterSkipsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"SELECT count(*) FROM {schema}.mt_high_water_skips");
        var count = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        var seen = Interlocked.Exchange(ref lastSkips, count);
        if (count > seen && seen >= 0)
        {
            LogSkips(Logger, count - seen, count);
        }

        return count;
    }

    /// <summary>Status and lag of one projection; null when it is not one of the ledger's.</summary>
    public async Task<ProjectionStatus?> GetStatusAsync(string name, CancellationToken cancellationToken = default) =>
        (await GetStatusAsync(cancellationToken)).FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// Rebuilds a projection from the events alone into shadow tables while the live ones keep serving, then swaps
    /// them in: the last step locks the live tables and Marten's progress row for the projection, applies what the
    /// daemon applied meanwhile, swaps, and leaves the progress where the rebuilt tables stand.
    /// </summary>
    public async Task RebuildAsync(string name, CancellationToken cancellationToken = default)
    {
        var projection = Find(name);
        await gate.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
            await using (var create = await connection.BeginTransactionAsync(cancellationToken))
            {
                await ProjectionTables.CreateShadowsAsync(create, schema, projection.Tables, cancellationToken);
                await create.CommitAsync(cancellationToken);
            }

            var applied = (await ProgressAsync(connection, null, cancellationToken)).GetValueOrDefault(name);
            long rebuilt = 0;
            while (rebuilt < applied)
            {
                await using var step = await connection.BeginTransactionAsync(cancellationToken);
                rebuilt = await ApplyRangeAsync(projection, step, rebuilt, applied, cancellationToken);
                await step.CommitAsync(cancellationToken);
            }

            // Marten's daemon moves the progress row before it writes the batch's rows, so the progress row is locked
            // first, then the live tables: the same order, no deadlock. A deadlock with another writer is retried.
            long final = rebuilt;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var swap = await connection.BeginTransactionAsync(cancellationToken);
                    final = (await ProgressAsync(connection, swap, cancellationToken, name)).GetValueOrDefault(name);
                    foreach (var table in projection.Tables)
                    {
                        await ExecuteAsync(swap, $"LOCK TABLE {schema}.{table.Name} IN ACCESS EXCLUSIVE MODE", cancellationToken);
                    }

                    var caughtUp = rebuilt;
                    while (caughtUp < final)
                    {
                        caughtUp = await ApplyRangeAsync(projection, swap, caughtUp, final, cancellationToken);
                    }

                    await ProjectionTables.SwapAsync(swap, schema, projection.Tables, cancellationToken);
                    await swap.CommitAsync(cancellationToken);
                    break;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
                }
            }

            LogRebuilt(Logger, name, final);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// After the fault is mended, applies the events Marten's daemon set aside for this projection by rebuilding it
    /// (every event, in order), and clears them as failures.
    /// </summary>
    public async Task ResumeAsync(string name, CancellationToken cancellationToken = default)
    {
        Find(name);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        if ((await FailuresAsync(connection, cancellationToken)).GetValueOrDefault(name) is null)
        {
            throw new InvalidOperationException($"projection '{name}' is not failed");
        }

        await RebuildAsync(name, cancellationToken);
        await using var clear = store.DataSource.CreateCommand($"DELETE FROM {schema}.mt_doc_deadletterevent WHERE {DeadLetterProjection} = @name");
        clear.Parameters.AddWithValue("name", name);
        await clear.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Acknowledges the events Marten's daemon set aside for this projection, recording why they stay unapplied.</summary>
    public async Task SkipAsync(string name, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        Find(name);
        await using var command = store.DataSource.CreateCommand($"""
            WITH failed AS (DELETE FROM {schema}.mt_doc_deadletterevent WHERE {DeadLetterProjection} = @name RETURNING {DeadLetterSequence} AS sequence)
            INSERT INTO {schema}.projection_skips (projection, sequence, reason, skipped_at)
            SELECT @name, sequence, @reason, now() FROM failed ON CONFLICT DO NOTHING
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("reason", reason);
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"projection '{name}' is not failed");
        }
    }

    private const string DeadLetterProjection = "coalesce(data ->> 'ProjectionName', data ->> 'projectionName')";

    private const string DeadLetterSequence = "coalesce(data ->> 'EventSequence', data ->> 'eventSequence')::bigint";

    private IProjection Find(string name) =>
        projections.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"no projection named '{name}'", nameof(name));

    /// <summary>Applies the projection's events after <paramref name="after"/> up to <paramref name="until"/> (one batch) into its shadow tables.</summary>
    private async Task<long> ApplyRangeAsync(IProjection projection, NpgsqlTransaction transaction, long after, long until, CancellationToken cancellationToken)
    {
        var events = (await store.ReadAllAsync(after, settings.RebuildBatchSize, cancellationToken)).Where(e => e.GlobalPosition <= until).ToList();
        if (events.Count == 0)
        {
            return until;
        }

        var types = projection.EventTypes;
        var mine = types is null ? events : events.Where(e => types.Contains(e.EventType)).ToList();
        if (mine.Count > 0)
        {
            var batch = new ProjectionBatch(store, mine, isRebuild: true);
            await projection.ApplyAsync(batch, cancellationToken);
            if (batch.Writes.Count > 0)
            {
                await using var writes = new NpgsqlBatch(transaction.Connection, transaction);
                foreach (var write in batch.Writes)
                {
                    writes.BatchCommands.Add(write);
                }

                await writes.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return events[^1].GlobalPosition;
    }

    /// <summary>Marten's progress per projection name; under <paramref name="lockName"/>, that row locked (created at 0 when absent).</summary>
    private async Task<Dictionary<string, long>> ProgressAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken, string? lockName = null)
    {
        var sql = lockName is null
            ? $"SELECT name, last_seq_id FROM {schema}.mt_event_progression"
            : $"SELECT name, last_seq_id FROM {schema}.mt_event_progression WHERE name = @shard FOR UPDATE";
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (lockName is not null)
        {
            command.Parameters.AddWithValue("shard", lockName + ":All");
        }

        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var shard = reader.GetString(0);
            var colon = shard.IndexOf(':', StringComparison.Ordinal);
            result[colon < 0 ? shard : shard[..colon]] = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
        }

        return result;
    }

    /// <summary>
    /// The node that runs each projection, from Wolverine's node assignments in the ledger's schema (an agent per
    /// shard, <c>event-subscriptions://marten/main/{server}.{database}/{projection}/all</c>), as "node N on HOST
    /// (health check S s ago)": a node whose last health check is older than the stale timeout is gone, and Wolverine
    /// moves its projections. None when no node runs background work or the tables do not exist yet.
    /// </summary>
    private async Task<Dictionary<string, (string Node, bool Alive)>> LeadersAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string Node, bool Alive)>(StringComparer.Ordinal);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass(@a) IS NOT NULL AND to_regclass(@n) IS NOT NULL", connection))
        {
            exists.Parameters.AddWithValue("a", $"{schema}.wolverine_node_assignments");
            exists.Parameters.AddWithValue("n", $"{schema}.wolverine_nodes");
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return result;
            }
        }

        await using var command = new NpgsqlCommand($"""
            SELECT a.id, n.node_number, n.description, greatest(0, extract(epoch FROM now() - n.health_check))::float8
            FROM {schema}.wolverine_node_assignments a JOIN {schema}.wolverine_nodes n ON n.id = a.node_id
            WHERE a.id LIKE 'event-subscriptions://%'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var byShard = new Dictionary<string, (string, bool)>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken))
        {
            // The path ends with the shard: "{projection}/all".
            var segments = new Uri(reader.GetString(0)).AbsolutePath.Trim('/').Split('/');
            if (segments.Length >= 2)
            {
                var age = reader.GetDouble(3);
                var alive = age <= settings.StaleNodeTimeout.TotalSeconds;
                var node = string.Create(CultureInfo.InvariantCulture, $"node {reader.GetInt32(1)} on {reader.GetString(2)} ({(alive ? "health check" : "gone: last health check")} {age:F0} s ago)");
                byShard[segments[^2]] = (node, alive);
            }
        }

        foreach (var projection in projections)
        {
            if (byShard.TryGetValue(projection.Name, out var node))
            {
                result[projection.Name] = node;
            }
        }

        return result;
    }

    private async Task<Dictionary<string, (string Error, long Sequence)?>> FailuresAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string Error, long Sequence)?>(StringComparer.Ordinal);
        await using var exists = new NpgsqlCommand("SELECT to_regclass(@t) IS NOT NULL", connection);
        exists.Parameters.AddWithValue("t", $"{schema}.mt_doc_deadletterevent");
        if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return result;
        }

        await using var command = new NpgsqlCommand($"""
            SELECT DISTINCT ON (p) p, coalesce(data ->> 'ExceptionMessage', data ->> 'exceptionMessage', 'failed'), s
            FROM (SELECT {DeadLetterProjection} AS p, {DeadLetterSequence} AS s, data FROM {schema}.mt_doc_deadletterevent) d
            ORDER BY p, s
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(0))
            {
                result[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? 0 : reader.GetInt64(2));
            }
        }

        return result;
    }

    private async Task<Instant?> RecordedAtAsync(NpgsqlConnection connection, long position, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT timestamp FROM {schema}.mt_events WHERE seq_id > @p ORDER BY seq_id LIMIT 1", connection);
        command.Parameters.AddWithValue("p", position);
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime at ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    private static async Task ExecuteAsync(NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Error, Message = "Marten's daemon skipped {New} more sequence range(s) ({Total} in all): check mt_high_water_skips")]
    private static partial void LogSkips(Microsoft.Extensions.Logging.ILogger logger, long @new, long total);

    [Microsoft.Extensions.Logging.LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "projection {Name} rebuilt up to position {Position} and swapped in")]
    private static partial void LogRebuilt(Microsoft.Extensions.Logging.ILogger logger, string name, long position);
}
