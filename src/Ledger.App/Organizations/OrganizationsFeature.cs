using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.Organizations;

/// <summary>Organisations that deliver results: registration, registry verification, suspension, delivery.</summary>
public sealed class OrganizationsFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services) => services.AddSingleton<OrganizationDirectory>();

    public void MapEndpoints(IEndpointRouteBuilder routes) => OrganizationEndpoints.Map(routes);

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) => [services.GetRequiredService<OrganizationDirectory>()];
}
