using Ledger.App.Hosting;

namespace Ledger.App.Audit;

/// <summary>Auditors' time travel over streams, consents and access histories.</summary>
public sealed class AuditFeature : ILedgerFeature
{
    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapAudit();
}
