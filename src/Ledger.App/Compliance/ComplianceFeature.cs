using Ledger.App.Hosting;

namespace Ledger.App.Compliance;

/// <summary>The compliance export.</summary>
public sealed class ComplianceFeature : ILedgerFeature
{
    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapCompliance();
}
