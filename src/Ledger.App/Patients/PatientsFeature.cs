using Ledger.App.Hosting;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Serialization;

namespace Ledger.App.Patients;

/// <summary>Patients: registration, identifiers, preferences, thresholds and erasure.</summary>
public sealed class PatientsFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<PatientDirectory>();
        services.AddSingleton<PatientErasure>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        routes.MapPatients();
        PatientErasure.MapErase(routes);
    }

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) =>
        [services.GetRequiredService<PatientDirectory>(), new ReadModelTables(PatientErasure.Definition)];

    public IEnumerable<Type> MessageHandlers => [typeof(PurgePatientReadModelsHandler)];
}
