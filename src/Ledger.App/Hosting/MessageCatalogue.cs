namespace Ledger.App.Hosting;

/// <summary>
/// The stored name (<c>feature.message.vN</c>) of every durable message, listed once, like the events' in
/// <see cref="Domain.EventCatalogue"/>: Wolverine keeps it in its inbox, outbox and dead letters, so it is never
/// derived from the C# name. A message class names its own with <c>[MessageIdentity(MessageCatalogue.…)]</c>.
/// </summary>
public static class MessageCatalogue
{
    /// <summary><see cref="Ingestion.ResolvePendingResults"/>.</summary>
    public const string ResolvePendingResults = "ingestion.resolve_pending_results.v1";

    /// <summary><see cref="Ingestion.ResolvePendingDocument"/>.</summary>
    public const string ResolvePendingDocument = "ingestion.resolve_pending_document.v1";

    /// <summary><see cref="Patients.PurgePatientReadModels"/>.</summary>
    public const string PurgePatientReadModels = "patients.purge_read_models.v1";
}
