using Microsoft.Extensions.Logging;

namespace Ledger.EventStore.Projections;

/// <summary>Settings of a <see cref="ProjectionDaemon"/>. Defaults suit production; tests shorten the intervals.</summary>
public sealed record ProjectionDaemonOptions
{
    /// <summary>Events read and applied per transaction.</summary>
    public int BatchSize { get; init; } = 1_000;

    /// <summary>How often the log is read when no notification arrives (the fallback to LISTEN/NOTIFY).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After a batch that emptied the log while commits keep coming, how long an agent waits before it reads again,
    /// so that under load each batch carries several appends instead of one. Zero reads again at once.
    /// </summary>
    public TimeSpan MinimumBatchInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    /// <summary>How often a node that does not lead a projection tries to take its lock.</summary>
    public TimeSpan LeadershipRetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts at a failing batch, then at each single event of it, before the projection stops as failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>The wait after the first failed attempt; it doubles after each further one.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long to wait before listening again after the notification connection failed.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often the lag gauges are refreshed from the database.</summary>
    public TimeSpan StatusRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>This node's name in the checkpoint table's leader column.</summary>
    public string NodeName { get; init; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>Receives failures, leadership changes and rebuild completions; none when null.</summary>
    public ILogger? Logger { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxAttempts);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeadershipRetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MinimumBatchInterval, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(NodeName);
    }
}

/// <summary>The state of a projection as the daemon and the operator see it.</summary>
public enum ProjectionState
{
    Running,
    Stopped,
    Failed,
    Rebuilding,
}

/// <summary>A projection's checkpoint, state and lag (what /health shows).</summary>
/// <param name="EventsBehind">Events after the checkpoint (counted up to <see cref="ProjectionDaemon.LagCountLimit"/>).</param>
/// <param name="SecondsBehind">Now minus the recording time of the oldest event not yet applied; 0 when caught up.</param>
/// <param name="RebuildCheckpoint">Where a rebuild in progress stands; null when none is.</param>
public sealed record ProjectionStatus(
    string Name,
    ProjectionState State,
    GlobalCheckpoint Checkpoint,
    long EventsProcessed,
    long EventsBehind,
    double SecondsBehind,
    string? Leader,
    string? LastError,
    long? FailedPosition,
    Guid? FailedEventId,
    NodaTime.Instant? FailedAt,
    GlobalCheckpoint? RebuildCheckpoint,
    NodaTime.Instant UpdatedAt);

/// <summary>An event an operator told a projection to pass over.</summary>
public sealed record ProjectionSkip(string Name, GlobalCheckpoint At, Guid EventId, string Reason, string? Error, NodaTime.Instant SkippedAt);
