using Ledger.EventStore.Projections;

namespace Ledger.App.Hosting;

/// <summary>Runs the projection daemon and the checkpoint schedule for as long as the host runs.</summary>
public sealed partial class BackgroundWork(ProjectionDaemon daemon, LedgerStartup startup, LedgerRuntime runtime, EventStore.EventStore store, ILogger<BackgroundWork> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task? checkpoints;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await startup.EnsureReadyAsync(cancellationToken);
        await daemon.StartAsync(cancellationToken);
        checkpoints = Task.Run(() => CheckpointsAsync(stopping.Token), CancellationToken.None);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        if (checkpoints is not null)
        {
            await checkpoints;
        }

        await daemon.StopAsync(cancellationToken);
    }

    public void Dispose() => stopping.Dispose();

    /// <summary>The node that leads the projections signs a checkpoint on the schedule (one node, so one sequence).</summary>
    private async Task CheckpointsAsync(CancellationToken cancellationToken)
    {
        var checkpointStore = new EventStore.Checkpoints.CheckpointStore(store.DataSource, store.Options.Schema);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(runtime.CheckpointInterval, cancellationToken);
                if (daemon.IsLeading)
                {
                    using var signer = runtime.Keys.CheckpointSigner();
                    var signed = await checkpointStore.CreateAsync(signer, runtime.Clock.GetCurrentInstant(), cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "signed checkpoint {Sequence}: {Streams} streams up to position {Position}")]
    private static partial void LogCheckpoint(ILogger logger, long sequence, int streams, long position);

    [LoggerMessage(Level = LogLevel.Error, Message = "a scheduled checkpoint failed ({Error}: {Message}); the next one is tried on schedule")]
    private static partial void LogCheckpointFailed(ILogger logger, string error, string message);
}
