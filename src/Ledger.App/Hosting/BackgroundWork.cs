using Ledger.EventStore.Projections;

namespace Ledger.App.Hosting;

/// <summary>
/// The background work of a node besides Wolverine's (which runs the follow-up messages and, through its managed
/// distribution, the async projections): the checkpoint schedule, and the watch on sequence ranges Marten skipped.
/// </summary>
public sealed partial class BackgroundWork(ProjectionOperations projections, LedgerStartup startup, LedgerRuntime runtime, EventStore.EventStore store, ILogger<BackgroundWork> logger) : IHostedService, IDisposable
{
    /// <summary>How often the node looks at <c>mt_high_water_skips</c> (a new skip is logged as an error).</summary>
    private static readonly TimeSpan SkipWatchInterval = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource stopping = new();
    private Task? checkpoints;
    private Task? skips;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await startup.EnsureReadyAsync(cancellationToken);
        projections.RegisterGauges();
        checkpoints = Task.Run(() => CheckpointsAsync(stopping.Token), CancellationToken.None);
        skips = Task.Run(() => WatchSkipsAsync(stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        foreach (var task in new[] { checkpoints, skips })
        {
            if (task is not null)
            {
                await task;
            }
        }
    }

    public void Dispose() => stopping.Dispose();

    /// <summary>
    /// Every node that runs background work wakes on the schedule; the first that finds the latest checkpoint older
    /// than half the interval signs the next one (under the append barrier, so two never interleave).
    /// </summary>
    private async Task CheckpointsAsync(CancellationToken cancellationToken)
    {
        var checkpointStore = new EventStore.Checkpoints.CheckpointStore(store.DataSource, store.Options.Schema);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(runtime.CheckpointInterval, cancellationToken);
                using var signer = runtime.Keys.CheckpointSigner();
                var signed = await checkpointStore.CreateIfDueAsync(signer, runtime.Clock.GetCurrentInstant(), NodaTime.Duration.FromTimeSpan(runtime.CheckpointInterval / 2), cancellationToken);
                if (signed is not null)
                {
                    LogCheckpoint(logger, signed.Checkpoint.Sequence, signed.Checkpoint.Heads.Count, signed.Checkpoint.GlobalPosition);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException)
            {
                LogCheckpointFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
    }

    private async Task WatchSkipsAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await projections.CountHighWaterSkipsAsync(cancellationToken);
                await Task.Delay(SkipWatchInterval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Npgsql.NpgsqlException ex)
            {
                LogSkipWatchFailed(logger, ex.GetType().Name);
                await Task.Delay(SkipWatchInterval, CancellationToken.None);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "signed checkpoint {Sequence}: {Streams} streams up to position {Position}")]
    private static partial void LogCheckpoint(ILogger logger, long sequence, int streams, long position);

    [LoggerMessage(Level = LogLevel.Error, Message = "a scheduled checkpoint failed ({Error}: {Message}); the next one is tried on schedule")]
    private static partial void LogCheckpointFailed(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not read mt_high_water_skips ({Error}); trying again")]
    private static partial void LogSkipWatchFailed(ILogger logger, string error);
}
