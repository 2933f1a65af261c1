using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.App.Consents;

/// <summary>
/// <c>/api/v1/shared/{token}/documents</c>: a share link. Whoever holds the link sees exactly the documents in its
/// consent's scope while the consent is active at the current instant; the link stands for the consented doctor
/// (actor kind doctor, actor id = the consent id). Every view is recorded (<c>RecordAccessed</c>, channel shareLink); every
/// refusal of a known link is recorded as <c>AccessDenied</c> with its reason. An unknown token names no patient and
/// is answered 404 without a record.
/// </summary>
public static class SharedEndpoints
{
    private const string Purpose = "view under consent";

    public static void MapShared(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/shared/{token}/documents").AllowAnonymous().WithTags("Consents");
        group.MapGet("/", ListAsync)
            .WithName("listSharedDocuments").WithSummary("The documents in the link's scope while its consent is active").Produces<CabinetPage>()
            .Parameters(CabinetFilter.Parameters).Problems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}", DetailAsync)
            .WithName("getSharedDocument").WithSummary("One document in the link's scope while its consent is active").Produces<DocumentDetail>().Conditional()
            .Problems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(string token, HttpContext http, ConsentsProjection consents, CabinetQueries queries, AccessRecorder access, IClock clock, CancellationToken ct)
    {
        if (await consents.FindByTokenAsync(token, ct) is not { } consent)
        {
            return PatientHttp.NotFound("no such link");
        }

        var entry = Entry(consent, null, http);
        if (consent.RefusalAt(clock.GetCurrentInstant()) is { } refusal)
        {
            await access.DeniedAsync(entry, refusal, ct);
            return PatientHttp.Forbidden("the consent behind this link is not active", refusal);
        }

        var (filter, field, reason) = CabinetFilter.Parse(http.Request.Query);
        if (filter is null)
        {
            return ProblemTypes.Invalid(field!, reason!);
        }

        await access.AccessedAsync(entry, cancellationToken: ct);
        return TypedResults.Ok(await queries.ListAsync(consent.PatientId, filter, consent, null, ct));
    }

    private static async Task<IResult> DetailAsync(string token, Guid id, HttpContext http, ConsentsProjection consents, EventStore.EventStore store, OrganizationDirectory organizations, AccessRecorder access, IClock clock, CancellationToken ct)
    {
        if (await consents.FindByTokenAsync(token, ct) is not { } consent)
        {
            return PatientHttp.NotFound("no such link");
        }

        var entry = Entry(consent, id == Guid.Empty ? null : new DocumentId(id), http);
        if (consent.RefusalAt(clock.GetCurrentInstant()) is { } refusal)
        {
            await access.DeniedAsync(entry, refusal, ct);
            return PatientHttp.Forbidden("the consent behind this link is not active", refusal);
        }

        var loaded = await DocumentReader.LoadAsync(store, id, new PatientId(consent.PatientId), ct);
        if (loaded is null)
        {
            await access.DeniedAsync(entry, "document.not_found", ct);
            return PatientHttp.NotFound("no such document under this link");
        }

        if (!consent.Covers(id, ConsentText.Type(loaded.State.DocumentType!.Value)))
        {
            await access.DeniedAsync(entry, "consent.out_of_scope", ct);
            return PatientHttp.NotFound("no such document under this link");
        }

        await access.AccessedAsync(entry, cancellationToken: ct);
        return PatientHttp.NotModified(http, loaded.StreamVersion)
            ? PatientHttp.NotModifiedResult()
            : TypedResults.Ok(await DocumentReader.DetailAsync(loaded.State, organizations, ct));
    }

    private static AccessEntry Entry(ConsentRow consent, DocumentId? document, HttpContext http) => new(
        new PatientId(consent.PatientId),
        new Actor(ActorKind.Doctor, new ActorId(consent.ConsentId)),
        document,
        Purpose,
        new ConsentId(consent.ConsentId),
        AccessChannel.ShareLink,
        PatientHttp.SourceAddress(http));
}
