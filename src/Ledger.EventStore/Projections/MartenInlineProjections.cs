using JasperFx.Events;
using Marten;

namespace Ledger.EventStore.Projections;

/// <summary>
/// The ledger's inline projections as one Marten inline projection: Marten calls it inside every append's
/// <c>SaveChangesAsync</c>, in the append's transaction, and it runs the store's inline projections (and other append
/// participants) for that append. Their rows therefore commit or roll back with the events, through Marten.
/// </summary>
internal sealed class MartenInlineProjections(EventStore store) : Marten.Events.Projections.IProjection
{
    public const string Name = "ledger_inline";

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation) =>
        store.RunInlineAsync(operations, cancellation);
}
