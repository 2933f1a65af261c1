using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.MedicalCard;

/// <summary>The patient's medical card («Медкарта»): chronic conditions and allergies (docs/projections.md, docs/api.md).</summary>
public sealed class MedicalCardFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<MedicalCardQueries>();
        services.AddSingleton<ConditionReports>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapMedicalCard();

    public IEnumerable<IProjection> Projections(IServiceProvider services) => [new MedicalCardProjection()];
}
