using Ledger.App.Patients;
using Ledger.Domain;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;

namespace Ledger.App.Ingestion;

/// <summary>
/// Written inline with <c>patients.registered.v1</c>: enqueues <see cref="ResolvePendingResults"/> (with the keyed
/// digests of the new cabinet's СНИЛС and ЕНП) in the registration's own transaction.
/// </summary>
public sealed class PendingResultsTrigger(IServiceProvider services) : IInlineProjection
{
    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(PatientRegistered));

    public IReadOnlyList<ProjectionTable> Tables { get; } = [];

    public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        var directory = services.GetRequiredService<PatientDirectory>();
        var outbox = services.GetRequiredService<TransactionalOutbox>();
        foreach (var registered in events.Select(e => e.Data).OfType<PatientRegistered>())
        {
            var digests = new List<string> { directory.Digest(registered.Snils) };
            if (registered.Enp is { } enp)
            {
                digests.Add(directory.Digest(enp));
            }

            await outbox.SendAsync(context, new ResolvePendingResults(registered.PatientId.Value, digests));
        }
    }
}
