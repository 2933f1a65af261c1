using System.Diagnostics.Metrics;
using System.Globalization;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>
/// Keeps async projections up to date from the global log, on every node of the application: for each
/// projection one node leads (a session advisory lock on a dedicated connection) and the others wait to take
/// over. Wakes on NOTIFY, on this process's commits and on a poll interval. Also carries the operator's
/// operations (status and lag, resume, skip, rebuild).
/// </summary>
public sealed class ProjectionDaemon : IAsyncDisposable
{
    /// <summary>Lag is counted in events up to this many; beyond it the figure stays at this value.</summary>
    public const long LagCountLimit = 1_000_000;

    /// <summary>The name of the meter that carries the lag gauges.</summary>
    public const string MeterName = "Ledger.EventStore.Projections";

    private readonly EventStore store;
    private readonly IClock clock;
    private readonly ProjectionDaemonOptions options;
    private readonly string schema;
    private readonly List<ProjectionAgent> agents;
    private readonly Meter meter;
    private readonly Lock gate = new();
    private IReadOnlyList<ProjectionStatus> lastStatus = [];
    private CancellationTokenSource? stopping;
    private List<Task> running = [];

    public ProjectionDaemon(EventStore store, IEnumerable<IProjection> projections, IClock clock, ProjectionDaemonOptions? options = null)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        this.options = options ?? new ProjectionDaemonOptions();
        this.options.Validate();
        ArgumentNullException.ThrowIfNull(projections);
        schema = store.Options.Schema;
        var list = projections.ToList();
        foreach (var projection in list)
        {
            ValidateName(projection.Name);
            foreach (var table in projection.Tables)
            {
                table.Validate();
            }
        }

        var duplicate = list.GroupBy(p => p.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"two projections are named '{duplicate.Key}'", nameof(projections));
        }

        var decoded = new DecodedEvents(store);
        agents = list.Select(p => new ProjectionAgent(store, p, clock, this.options, decoded)).ToList();
        meter = new Meter(MeterName);
        meter.CreateObservableGauge("ledger.projection.events_behind", () => Snapshot().Select(s => new Measurement<long>(s.EventsBehind, new KeyValuePair<string, object?>("projection", s.Name))), "{event}", "Events after the projection's checkpoint");
        meter.CreateObservableGauge("ledger.projection.seconds_behind", () => Snapshot().Select(s => new Measurement<double>(s.SecondsBehind, new KeyValuePair<string, object?>("projection", s.Name))), "s", "Age of the oldest event the projection has not applied");
    }

    /// <summary>The projections this daemon runs.</summary>
    public IReadOnlyList<IProjection> Projections => agents.Select(a => a.Projection).ToList();

    /// <summary>Starts competing for leadership of every projection and, where leading, projecting.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (stopping is not null)
            {
                throw new InvalidOperationException("the daemon is already started");
            }

            stopping = new CancellationTokenSource();
            var token = stopping.Token;
            store.Committed += Wake;
            running = agents.Select(a => Task.Run(() => a.RunAsync(token), CancellationToken.None)).ToList();
            running.Add(Task.Run(() => new CommitListener(store, options.ReconnectDelay, Wake, null).RunAsync(token), CancellationToken.None));
            running.Add(Task.Run(() => RefreshStatusAsync(token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops projecting and gives up every leadership (an open batch is rolled back, never half applied).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? source;
        List<Task> tasks;
        lock (gate)
        {
            source = stopping;
            tasks = running;
            stopping = null;
            running = [];
        }

        if (source is null)
        {
            return;
        }

        store.Committed -= Wake;
        await source.CancelAsync();
        await Task.WhenAll(tasks).WaitAsync(cancellationToken);
        source.Dispose();
    }

    /// <summary>True while this daemon leads the named projection.</summary>
    public bool IsLeading(string name) => agents.Any(a => a.Projection.Name == name && a.IsLeader);

    /// <summary>Makes every projection read the log now rather than at its next poll.</summary>
    public void Wake()
    {
        foreach (var agent in agents)
        {
            agent.Signal.Set();
        }
    }

    /// <summary>Status and lag of every projection that has a checkpoint row (whichever node leads it).</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        // The lag count's LIMIT gives the query a cost estimate that would make the server JIT-compile it every
        // time (tens of milliseconds); the query itself walks an index. JIT is off for this transaction only.
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('jit', 'off', true)"));
        var command = new NpgsqlBatchCommand($"""
            SELECT c.name, c.status, c.transaction_id::text, c.position, c.events_processed, c.leader, c.last_error,
                   c.failed_position, c.failed_event_id, c.failed_at, c.rebuild_transaction_id::text, c.rebuild_position, c.updated_at,
                   (SELECT count(*) FROM (SELECT 1 FROM {schema}.events e
                        WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.position) LIMIT {LagCountLimit}) behind),
                   (SELECT e.recorded_at FROM {schema}.events e
                        WHERE (e.transaction_id, e.global_position) > (c.transaction_id, c.position)
                        ORDER BY e.transaction_id, e.global_position LIMIT 1)
            FROM {schema}.projection_checkpoints c
            ORDER BY c.name
            """);
        batch.BatchCommands.Add(command);
        var now = clock.GetCurrentInstant();
        var result = new List<ProjectionStatus>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var oldest = reader.IsDBNull(14) ? (Instant?)null : ToInstant(reader.GetDateTime(14));
            result.Add(new ProjectionStatus(
                reader.GetString(0),
                ParseState(reader.GetString(1)),
                new GlobalCheckpoint(ParseXid(reader.GetString(2)), reader.GetInt64(3)),
                reader.GetInt64(4),
                reader.GetInt64(13),
                oldest is null ? 0 : Math.Max(0, (now - oldest.Value).TotalSeconds),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7),
                reader.IsDBNull(8) ? null : reader.GetGuid(8),
                reader.IsDBNull(9) ? null : ToInstant(reader.GetDateTime(9)),
                reader.IsDBNull(10) ? null : new GlobalCheckpoint(ParseXid(reader.GetString(10)), reader.GetInt64(11)),
                ToInstant(reader.GetDateTime(12))));
        }

        lock (gate)
        {
            lastStatus = result;
        }

        return result;
    }

    /// <summary>Status and lag of one projection; null before it first ran.</summary>
    public async Task<ProjectionStatus?> GetStatusAsync(string name, CancellationToken cancellationToken = default) =>
        (await GetStatusAsync(cancellationToken)).FirstOrDefault(s => s.Name == name);

    /// <summary>Waits until every projection of this daemon has applied every event visible now (or failed).</summary>
    public async Task WaitForCatchUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var names = agents.Select(a => a.Projection.Name).ToHashSet(StringComparer.Ordinal);
        while (true)
        {
            var statuses = (await GetStatusAsync(limit.Token)).Where(s => names.Contains(s.Name)).ToList();
            if (statuses.Count == names.Count && statuses.All(s => s.State == ProjectionState.Failed || (s.EventsBehind == 0 && s.RebuildCheckpoint is null)))
            {
                return;
            }

            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>Retries a failed projection from the event that failed.</summary>
    public async Task ResumeAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"""
            UPDATE {schema}.projection_checkpoints
            SET status = CASE WHEN rebuild_position IS NULL THEN 'running' ELSE 'rebuilding' END,
                last_error = NULL, failed_transaction_id = NULL, failed_position = NULL, failed_event_id = NULL, failed_at = NULL,
                revision = revision + 1, updated_at = @now
            WHERE name = @name AND status = 'failed'
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("now", clock.GetCurrentInstant().ToDateTimeUtc());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"projection '{name}' is not failed");
        }

        Wake();
    }

    /// <summary>Moves a failed projection past exactly the event that failed, recording why, and resumes it.</summary>
    public async Task SkipAsync(string name, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await using var command = store.DataSource.CreateCommand($"""
            WITH failed AS (
                UPDATE {schema}.projection_checkpoints c
                SET status = CASE WHEN rebuild_position IS NULL THEN 'running' ELSE 'rebuilding' END,
                    last_error = NULL, failed_transaction_id = NULL, failed_position = NULL, failed_event_id = NULL, failed_at = NULL,
                    revision = revision + 1, updated_at = @now
                FROM (SELECT name, failed_transaction_id, failed_position, failed_event_id, last_error
                      FROM {schema}.projection_checkpoints WHERE name = @name AND status = 'failed' FOR UPDATE) old
                WHERE c.name = old.name
                RETURNING old.failed_transaction_id, old.failed_position, old.failed_event_id, old.last_error)
            INSERT INTO {schema}.projection_skips (name, transaction_id, position, event_id, reason, error, skipped_at)
            SELECT @name, failed_transaction_id, failed_position, failed_event_id, @reason, last_error, @now FROM failed
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("reason", reason);
        command.Parameters.AddWithValue("now", clock.GetCurrentInstant().ToDateTimeUtc());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"projection '{name}' is not failed");
        }

        Wake();
    }

    /// <summary>The events skipped by operators for a projection.</summary>
    public async Task<IReadOnlyList<ProjectionSkip>> ListSkipsAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"SELECT transaction_id::text, position, event_id, reason, error, skipped_at FROM {schema}.projection_skips WHERE name = @name ORDER BY skip_id");
        command.Parameters.AddWithValue("name", name);
        var result = new List<ProjectionSkip>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new ProjectionSkip(name, new GlobalCheckpoint(ParseXid(reader.GetString(0)), reader.GetInt64(1)), reader.GetGuid(2), reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), ToInstant(reader.GetDateTime(5))));
        }

        return result;
    }

    /// <summary>
    /// Asks the leader to rebuild the projection from the start into shadow tables and swap them in once they
    /// have caught up; the live tables keep serving meanwhile. Returns at once.
    /// </summary>
    public async Task RequestRebuildAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        await using var command = store.DataSource.CreateCommand($"""
            INSERT INTO {schema}.projection_checkpoints (name, updated_at) VALUES (@name, @now) ON CONFLICT (name) DO NOTHING;
            UPDATE {schema}.projection_checkpoints
            SET rebuild_transaction_id = '0', rebuild_position = 0, rebuild_started_at = @now,
                status = CASE WHEN status = 'running' THEN 'rebuilding' ELSE status END, revision = revision + 1, updated_at = @now
            WHERE name = @name
            """);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("now", clock.GetCurrentInstant().ToDateTimeUtc());
        await command.ExecuteNonQueryAsync(cancellationToken);
        Wake();
    }

    /// <summary>Rebuilds the projection (see <see cref="RequestRebuildAsync"/>) and waits until the shadow tables are swapped in.</summary>
    public async Task RebuildAsync(string name, CancellationToken cancellationToken = default)
    {
        await RequestRebuildAsync(name, cancellationToken);
        while (true)
        {
            var status = await GetStatusAsync(name, cancellationToken);
            if (status is null || status.RebuildCheckpoint is null)
            {
                return;
            }

            if (status.State == ProjectionState.Failed)
            {
                throw new InvalidOperationException($"the rebuild of projection '{name}' stopped at position {status.FailedPosition}: {status.LastError}");
            }

            await Task.Delay(options.PollInterval / 5, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var agent in agents)
        {
            agent.Dispose();
        }

        meter.Dispose();
    }

    internal static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 100 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '.'))
        {
            throw new ArgumentException($"projection name '{name}' must be 1-100 characters of a-z, 0-9, '_' and '.'", nameof(name));
        }
    }

    private static ProjectionState ParseState(string text) => text switch
    {
        "running" => ProjectionState.Running,
        "stopped" => ProjectionState.Stopped,
        "failed" => ProjectionState.Failed,
        "rebuilding" => ProjectionState.Rebuilding,
        _ => throw new InvalidOperationException($"unknown projection status '{text}'"),
    };

    private static ulong ParseXid(string text) => ulong.Parse(text, CultureInfo.InvariantCulture);

    private static Instant ToInstant(DateTime value) => Instant.FromDateTimeUtc(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private IReadOnlyList<ProjectionStatus> Snapshot()
    {
        lock (gate)
        {
            return lastStatus;
        }
    }

    private async Task RefreshStatusAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await GetStatusAsync(cancellationToken);
                await Task.Delay(options.StatusRefreshInterval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                // The gauges keep their last figures until the database answers again.
                await Task.WhenAny(Task.Delay(options.StatusRefreshInterval, cancellationToken));
            }
        }
    }
}
