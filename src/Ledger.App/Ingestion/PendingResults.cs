using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;

namespace Ledger.App.Ingestion;

/// <summary>A cabinet was opened: find the results that arrived for its identifiers before it existed.</summary>
public sealed record ResolvePendingResults(Guid PatientId, IReadOnlyList<string> Digests);

/// <summary>Attach one pending document to its patient.</summary>
public sealed record ResolvePendingDocument(Guid PatientId, Guid DocumentId);

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
        var outbox = services.GetRequiredService<Outbox>();
        foreach (var registered in events.Select(e => e.Data).OfType<PatientRegistered>())
        {
            var digests = new List<string> { directory.Digest(registered.Snils) };
            if (registered.Enp is { } enp)
            {
                digests.Add(directory.Digest(enp));
            }

            await outbox.EnqueueAsync(context.Transaction, new ResolvePendingResults(registered.PatientId.Value, digests), cancellationToken: cancellationToken);
        }
    }
}

/// <summary>Fans out one <see cref="ResolvePendingDocument"/> per pending document (one document per transaction).</summary>
public sealed class ResolvePendingResultsHandler(IngestionTables tables) : IMessageHandler<ResolvePendingResults>
{
    public async Task HandleAsync(ResolvePendingResults message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        foreach (var document in await tables.PendingAsync(context.Transaction, message.Digests, cancellationToken))
        {
            await context.SendAsync(new ResolvePendingDocument(message.PatientId, document), cancellationToken: cancellationToken);
        }
    }
}

/// <summary>Appends <see cref="ResultPatientResolved"/> to the document; the pending row goes with it (inline).</summary>
public sealed class ResolvePendingDocumentHandler(EventStore.EventStore store) : IMessageHandler<ResolvePendingDocument>
{
    public async Task HandleAsync(ResolvePendingDocument message, MessageContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(context);
        var decider = Deciders.Result;
        var (state, version) = await store.AggregateAsync(message.DocumentId, decider.Initial, decider.Evolve, cancellationToken: cancellationToken);
        var documentId = new DocumentId(message.DocumentId);
        IReadOnlyList<object> events;
        try
        {
            events = decider.Decide(new ResolveResultPatient(documentId, new PatientId(message.PatientId)), state, context.Now);
        }
        catch (DomainRejection)
        {
            // Already resolved to someone else or gone: nothing to attach.
            return;
        }

        if (events.Count == 0)
        {
            return;
        }

        var commandId = IngestionTables.Derive("resolve", message.DocumentId.ToString("N"), message.PatientId.ToString("N"));
        await context.AppendAsync(
            StreamIds.Result(documentId),
            decider.StreamKind,
            ExpectedVersion.Exactly(version),
            events.Select((e, i) => new EventToAppend(CommandExecutor.EventIdFor(commandId, i), e, new EventMetadata(CausationId: context.MessageId, ActorKind: "system"))).ToList(),
            new AppendOptions { EncryptFor = message.PatientId },
            cancellationToken);
    }
}
