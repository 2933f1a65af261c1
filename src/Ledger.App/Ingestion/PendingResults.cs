using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Npgsql;
using Wolverine;
using Wolverine.Attributes;

namespace Ledger.App.Ingestion;

/// <summary>A cabinet was opened: find the results that arrived for its identifiers before it existed.</summary>
[MessageIdentity("ingestion.resolve_pending_results.v1")]
public sealed record ResolvePendingResults(Guid PatientId, IReadOnlyList<string> Digests);

/// <summary>Attach one pending document to its patient.</summary>
[MessageIdentity("ingestion.resolve_pending_document.v1")]
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

/// <summary>
/// Fans out one <see cref="ResolvePendingDocument"/> per pending document (Wolverine cascades them, one document per
/// message). Delivered twice, it sends the same documents again, and those appends are idempotent.
/// </summary>
public static class ResolvePendingResultsHandler
{
    public static async Task<IEnumerable<ResolvePendingDocument>> HandleAsync(ResolvePendingResults message, IngestionTables tables, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var documents = await tables.PendingAsync(transaction, message.Digests, cancellationToken);
        return documents.Select(document => new ResolvePendingDocument(message.PatientId, document)).ToList();
    }
}

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
