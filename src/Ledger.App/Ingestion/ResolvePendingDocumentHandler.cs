using Ledger.App.Hosting;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Wolverine;
using Wolverine.Attributes;

namespace Ledger.App.Ingestion;

/// <summary>Attach one pending document to its patient.</summary>
[MessageIdentity(MessageCatalogue.ResolvePendingDocument)]
public sealed record ResolvePendingDocument(Guid PatientId, Guid DocumentId);

/// <summary>
/// Appends <see cref="ResultPatientResolved"/> to the document; the pending row goes with it (inline). The event ids
/// derive from the document and the patient, so a second delivery appends nothing.
/// </summary>
public static class ResolvePendingDocumentHandler
{
    public static async Task HandleAsync(ResolvePendingDocument message, Envelope envelope, CommandExecutor executor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(executor);
        var documentId = new DocumentId(message.DocumentId);
        var commandId = IngestionTables.Derive("resolve", message.DocumentId.ToString("N"), message.PatientId.ToString("N"));
        try
        {
            await executor.ExecuteAsync(
                Deciders.Result,
                StreamIds.Result(documentId),
                new ResolveResultPatient(documentId, new PatientId(message.PatientId)),
                new CommandContext(commandId, new EventMetadata(CausationId: envelope.Id, ActorKind: "system"), message.PatientId),
                cancellationToken);
        }
        catch (DomainRejection)
        {
            // Already resolved to someone else or gone: nothing to attach.
        }
    }
}
