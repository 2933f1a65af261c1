using Ledger.App.Hosting;
using Ledger.EventStore.Projections;

namespace Ledger.App.Consents;

/// <summary>Consents and share links.</summary>
public sealed class ConsentsFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton<ConsentsProjection>().AddSingleton<ShareLinkAccess>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes)
    {
        routes.MapConsents();
        routes.MapShared();
    }

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) => [services.GetRequiredService<ConsentsProjection>()];
}
