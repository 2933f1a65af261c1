using Ledger.EventStore.Projections;

namespace Ledger.App.Hosting;

/// <summary>
/// One feature folder's registrations: its services, endpoints, projections, message types and handlers.
/// Features are listed explicitly in <see cref="LedgerFeatures"/>; nothing is discovered by scanning.
/// </summary>
public interface ILedgerFeature
{
    /// <summary>Services the feature's endpoints, projections and handlers use.</summary>
    void AddServices(IServiceCollection services)
    {
    }

    /// <summary>The feature's HTTP endpoints (one route group per feature).</summary>
    void MapEndpoints(IEndpointRouteBuilder routes)
    {
    }

    /// <summary>Projections run by the daemon (asynchronous).</summary>
    IEnumerable<IProjection> Projections(IServiceProvider services) => [];

    /// <summary>Projections written in the append's transaction (strongly consistent).</summary>
    IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) => [];

    /// <summary>
    /// The feature's Wolverine handler classes (listed, not discovered). Each message class they handle names its
    /// stored identity with <c>[MessageIdentity]</c>.
    /// </summary>
    IEnumerable<Type> MessageHandlers => [];
}
