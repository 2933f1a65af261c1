using Ledger.App.Hosting;
using Ledger.App.Patients;
using Ledger.App.Trends;
using Ledger.EventStore.Projections;

namespace Ledger.App.Cabinet;

/// <summary>The patient's cabinet: documents, corrections, trends.</summary>
public sealed class CabinetFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<CabinetQueries>().AddSingleton<TrendQueries>();

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        routes.MapCabinet();
        routes.MapAttachments();
        routes.MapTrends();
    }

    public IEnumerable<IProjection> Projections(IServiceProvider services) => [new CabinetProjection(), new TrendProjection()];

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) =>
        [new ReadModelTables(new ProjectionTable(CabinetQueries.VisitsTable, "CREATE TABLE {table} (patient_id uuid PRIMARY KEY, last_visit_at timestamptz NOT NULL)") { PatientColumn = "patient_id" })];
}
