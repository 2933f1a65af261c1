using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.Patients;

/// <summary>Patients: registration, identifiers, preferences and thresholds.</summary>
public sealed class PatientsFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<PatientDirectory>();

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) => [services.GetRequiredService<PatientDirectory>()];
}
