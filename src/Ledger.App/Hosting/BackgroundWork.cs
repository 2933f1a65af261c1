using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;

namespace Ledger.App.Hosting;

/// <summary>Runs the projection daemon and the message dispatcher for as long as the host runs.</summary>
public sealed class BackgroundWork(ProjectionDaemon daemon, MessageDispatcher dispatcher, LedgerStartup startup) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await startup.EnsureReadyAsync(cancellationToken);
        await daemon.StartAsync(cancellationToken);
        await dispatcher.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await dispatcher.StopAsync(cancellationToken);
        await daemon.StopAsync(cancellationToken);
    }
}
