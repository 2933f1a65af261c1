using Ledger.App.Hosting;

namespace Ledger.App.Health;

/// <summary>The health check (<see cref="HealthEndpoints"/>).</summary>
public sealed class HealthFeature : ILedgerFeature
{
    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapHealth();
}
