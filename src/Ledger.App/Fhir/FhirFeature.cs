using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.Fhir;

/// <summary>The FHIR R4 read API (<c>/fhir/r4</c>) and the observation read model it searches.</summary>
public sealed class FhirFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<FhirDocuments>();
        services.AddSingleton<FhirReaders>();
        services.AddSingleton<FhirEverything>();
        FhirResourceTypes.Register(services);
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapFhir();

    public IEnumerable<IProjection> Projections(IServiceProvider services) => [new FhirObservationProjection()];
}
