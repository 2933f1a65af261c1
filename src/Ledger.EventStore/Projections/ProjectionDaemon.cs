using System.Diagnostics.Metrics;
using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>How a projection stands.</summary>
public enum ProjectionState
{
    /// <summary>A node leads it and Marten's daemon applies events to it.</summary>
    Running,

    /// <summary>No node leads it now (none runs background work, or the leader is gone).</summary>
    Stopped,

    /// <summary>Marten's daemon set events aside that failed to apply; an operator has not acknowledged them.</summary>
    Failed,
}

/// <summary>A projection's progress, lag and failures.</summary>
public sealed record ProjectionStatus(string Name, ProjectionState State, long Position, long EventsBehind, double SecondsBehind, string? Leader, string? LastError, long? FailedPosition);

/// <summary>Options of the <see cref="ProjectionDaemon"/>.</summary>
public sealed record ProjectionDaemonOptions
{
    /// <summary>How often a node that does not lead tries to take the leadership lock.</summary>
    public TimeSpan LeadershipRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a node that has just taken the lock waits before it starts Marten's daemon, so that a leader which lost
    /// its lock notices (at its next heartbeat) and stops first; null for twice <see cref="LeadershipRetryInterval"/>.
    /// </summary>
    public TimeSpan? TakeoverDelay { get; init; }

    /// <summary>How long a shard that Marten's daemon paused after an error stays paused before the leader restarts it.</summary>
    public TimeSpan PausedShardRestartDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Events read and applied per transaction during a rebuild.</summary>
    public int RebuildBatchSize { get; init; } = 1_000;

    /// <summary>Receives leadership changes and rebuild completions; none when null.</summary>
    public ILogger? Logger { get; init; }
}

/// <summary>
/// The ledger's projections on Marten's async daemon. One node at a time leads (a session advisory lock on a
/// connection of its own, Marten's hot/cold model): it runs Marten's daemon for every projection; the others wait to
/// take over. Status, catch-up, rebuilds beside the live tables and acknowledgements of failed events act through the
/// database, so the command line can use them against running nodes.
/// </summary>
public sealed partial class ProjectionDaemon(EventStore store, IReadOnlyList<IProjection> projections, ProjectionDaemonOptions? options = null) : IAsyncDisposable
{
    /// <summary>The meter of the projection gauges.</summary>
    public const string MeterName = "Ledger.EventStore.Projections";

    private static readonly Meter Meter = new(MeterName);
    private readonly ProjectionDaemonOptions settings = options ?? new ProjectionDaemonOptions();
    private readonly string schema = store.Options.Schema;
    private readonly SemaphoreSlim gate = new(1, 1);
    private CancellationTokenSource? stopping;
    private Task? leading;
    private IProjectionDaemon? daemon;
    private long lastSkips = -1;
    private readonly Dictionary<string, int> pausedBeats = new(StringComparer.Ordinal);

    public IReadOnlyList<IProjection> Projections => projections;

    /// <summary>True while this node leads and runs Marten's daemon.</summary>
    public bool IsLeading => daemon is not null;

    private long LeadershipKey => Schema.LockKeys.Named(schema, "projection_daemon");

    /// <summary>Registers the projection gauges (skipped ranges) once per process.</summary>
    private ObservableGauge<long>? skipsGauge;

    /// <summary>Starts competing for leadership; the leader runs Marten's daemon until stopped.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        skipsGauge ??= Meter.CreateObservableGauge("ledger.projections.high_water_skips", () => Math.Max(0, Interlocked.Read(ref lastSkips)), description: "sequence ranges Marten's daemon skipped as dead");
        stopping = new CancellationTokenSource();
        leading = Task.Run(() => LeadAsync(stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopping is null || leading is null)
        {
            return;
        }

        await stopping.CancelAsync();
        try
        {
            await leading.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
                await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
                {
                    take.Parameters.AddWithValue("key", LeadershipKey);
                    if (await take.ExecuteScalarAsync(cancellationToken) is not true)
                    {
                        await Task.Delay(settings.LeadershipRetryInterval, cancellationToken);
                        continue;
                    }
                }

                LogLeading(Logger, schema);

                // A leader that lost its lock may still be applying a batch; Marten's conditional progress update
                // rolls back whichever of the two commits second, and waiting here makes that rare.
                await Task.Delay(settings.TakeoverDelay ?? settings.LeadershipRetryInterval * 2, cancellationToken);
                await using (var held = new NpgsqlCommand("SELECT 1", connection))
                {
                    await held.ExecuteScalarAsync(cancellationToken);
                }

                daemon = await store.Documents.BuildProjectionDaemonAsync(logger: settings.Logger);
                await daemon.StartAllAsync();
                pausedBeats.Clear();
                try
                {
                    // Hold the lock while its connection lives; a lost connection ends this node's leadership.
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        await Task.Delay(settings.LeadershipRetryInterval, cancellationToken);
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(cancellationToken);
                        await CountHighWaterSkipsAsync(cancellationToken);
                        await RestartPausedShardsAsync(daemon, cancellationToken);
                    }
                }
                finally
                {
                    var running = daemon;
                    daemon = null;
                    await running.StopAllAsync();
                    running.Dispose();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogLeadershipLost(Logger, ex.GetType().Name);
                await Task.Delay(settings.LeadershipRetryInterval, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Marten's daemon pauses a shard whose batch fails for a reason other than one event (a conflict with a leader
    /// that has just lost its lock, a lost connection, a full disk); the leader restarts it from its stored progress.
    /// </summary>
    private async Task RestartPausedShardsAsync(IProjectionDaemon running, CancellationToken cancellationToken)
    {
        // Only a shard Marten paused, once it has stayed paused for the delay, counted in heartbeats (no clock read).
        var beatsToWait = Math.Max(1, (int)Math.Ceiling(settings.PausedShardRestartDelay / settings.LeadershipRetryInterval));
        foreach (var agent in running.CurrentAgents())
        {
            var name = agent.Name.Identity;
            if (agent.Status != JasperFx.AgentStatus.Paused)
            {
                pausedBeats.Remove(name);
                continue;
            }

            var beats = pausedBeats[name] = pausedBeats.GetValueOrDefault(name) + 1;
            if (beats < beatsToWait)
            {
                continue;
            }

            pausedBeats.Remove(name);
            LogRestartingShard(Logger, name, agent.Failure?.ExceptionType ?? "unknown");
            running.EjectPausedShard(name);
            await running.StartAgentAsync(name, cancellationToken);
        }
    }

    private ILogger Logger => settings.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Waits until every projection has applied every committed event (Marten's non-stale check).</summary>
    public Task WaitForCatchUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        store.Documents.WaitForNonStaleProjectionDataAsync(timeout).WaitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        stopping?.Dispose();
        gate.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "this node now leads the projections of schema {Schema}")]
    private static partial void LogLeading(ILogger logger, string schema);

    [LoggerMessage(Level = LogLevel.Warning, Message = "projection shard {Shard} was paused after {Error}; restarting it from its stored progress")]
    private static partial void LogRestartingShard(ILogger logger, string shard, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "projection leadership lost ({Error}); trying again")]
    private static partial void LogLeadershipLost(ILogger logger, string error);
}
