using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.App.Consents;

/// <summary>What opening a share link came to: no such link, refused (with its reason code), or the answer.</summary>
public sealed record ShareLinkOutcome<T>(ConsentRow? Consent, string? Refusal, T? Value, bool NotFound)
    where T : class;

/// <summary>
/// The rules of a share link, for the JSON API and the doctor's share pages alike: whoever holds the link sees exactly
/// the documents in its consent's scope while the consent is active at the current instant; the link stands for the
/// consented doctor (actor kind doctor, actor id = the consent id). Every view is recorded (<c>RecordAccessed</c>, channel
/// shareLink); every refusal of a known link is recorded as <c>AccessDenied</c> with its reason. An unknown token names
/// no patient and is answered "not found" without a record.
/// </summary>
public sealed class ShareLinkAccess(ConsentsProjection consents, CabinetQueries queries, EventStore.EventStore store, OrganizationDirectory organizations, AccessRecorder access, IClock clock)
{
    private const string Purpose = "view under consent";

    /// <summary>The consent behind <paramref name="token"/>, without recording anything (null for an unknown link).</summary>
    public Task<ConsentRow?> FindAsync(string token, CancellationToken cancellationToken) => consents.FindByTokenAsync(token, cancellationToken);

    /// <summary>
    /// The documents under the link, filtered by <paramref name="filter"/>. A null filter (the request's could not be read)
    /// records a refusal of an inactive link and nothing else: the caller answers the bad filter.
    /// </summary>
    public async Task<ShareLinkOutcome<CabinetPage>> ListAsync(string token, CabinetFilter? filter, string? sourceAddress, CancellationToken cancellationToken)
    {
        if (await consents.FindByTokenAsync(token, cancellationToken) is not { } consent)
        {
            return new(null, null, null, NotFound: true);
        }

        var entry = Entry(consent, null, sourceAddress);
        if (consent.RefusalAt(clock.GetCurrentInstant()) is { } refusal)
        {
            await access.DeniedAsync(entry, refusal, cancellationToken);
            return new(consent, refusal, null, NotFound: false);
        }

        if (filter is null)
        {
            return new(consent, null, null, NotFound: false);
        }

        await access.AccessedAsync(entry, cancellationToken: cancellationToken);
        return new(consent, null, await queries.ListAsync(consent.PatientId, filter, consent, null, cancellationToken), NotFound: false);
    }

    /// <summary>One document under the link; not found (recorded as a refusal) when it is not the patient's or not in the scope.</summary>
    public async Task<ShareLinkOutcome<LoadedDocument>> DocumentAsync(string token, Guid id, string? sourceAddress, CancellationToken cancellationToken, string purpose = Purpose)
    {
        if (await consents.FindByTokenAsync(token, cancellationToken) is not { } consent)
        {
            return new(null, null, null, NotFound: true);
        }

        var entry = Entry(consent, id == Guid.Empty ? null : new DocumentId(id), sourceAddress, purpose);
        if (consent.RefusalAt(clock.GetCurrentInstant()) is { } refusal)
        {
            await access.DeniedAsync(entry, refusal, cancellationToken);
            return new(consent, refusal, null, NotFound: false);
        }

        var loaded = await DocumentReader.LoadAsync(store, id, new PatientId(consent.PatientId), cancellationToken);
        if (loaded is null)
        {
            await access.DeniedAsync(entry, "document.not_found", cancellationToken);
            return new(consent, null, null, NotFound: true);
        }

        if (!consent.Covers(id, ConsentText.Type(loaded.State.DocumentType!.Value)))
        {
            await access.DeniedAsync(entry, "consent.out_of_scope", cancellationToken);
            return new(consent, null, null, NotFound: true);
        }

        await access.AccessedAsync(entry, cancellationToken: cancellationToken);
        return new(consent, null, loaded, NotFound: false);
    }

    /// <summary>The document as the API shows it.</summary>
    public Task<DocumentDetail> DetailAsync(LoadedDocument loaded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        return DocumentReader.DetailAsync(loaded.State, organizations, cancellationToken);
    }

    private static AccessEntry Entry(ConsentRow consent, DocumentId? document, string? sourceAddress, string purpose = Purpose) => new(
        new PatientId(consent.PatientId),
        new Actor(ActorKind.Doctor, new ActorId(consent.ConsentId)),
        document,
        purpose,
        new ConsentId(consent.ConsentId),
        AccessChannel.ShareLink,
        sourceAddress);
}
