using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.AccessJournal;

/// <summary>The access journal: who saw the record, who was refused.</summary>
public sealed class AccessJournalFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<AccessRecorder>();
        services.AddSingleton<AccessJournalQueries>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapAccessJournal();

    public IEnumerable<IProjection> Projections(IServiceProvider services) => [new AccessJournalProjection()];
}
