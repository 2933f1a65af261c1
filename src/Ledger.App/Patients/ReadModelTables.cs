using Ledger.EventStore;
using Ledger.EventStore.Projections;

namespace Ledger.App.Patients;

/// <summary>
/// Plain application tables (not fed by events) created at start-up with the inline projections' tables: it reads no
/// event, so appends never call it.
/// </summary>
public sealed class ReadModelTables(params ProjectionTable[] tables) : IInlineProjection
{
    public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal);

    public IReadOnlyList<ProjectionTable> Tables { get; } = tables;

    public Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken) => Task.CompletedTask;
}
