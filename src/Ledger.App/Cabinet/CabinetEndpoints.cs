using Ledger.App.AccessJournal;
using Ledger.App.Consents;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.App.Cabinet;

public sealed record DocumentDetail(Guid DocumentId, string DocumentType, string Status, Guid OrganizationId, string? OrganizationName, int Version, ResultContent Content);

/// <summary>A document's state and its stream's version (the <c>ETag</c>).</summary>
public sealed record LoadedDocument(ResultState State, long StreamVersion);

public sealed record DocumentVersionView(int Number, string DeliveryId, string? CorrectionReason, ResultContent Content);

public sealed record DocumentVersions(Guid DocumentId, IReadOnlyList<DocumentVersionView> Versions);

/// <summary>A document as read from its result stream (the source of truth, not the cabinet's row).</summary>
public static class DocumentReader
{
    /// <summary>The document's state when it exists and belongs to <paramref name="patient"/>; otherwise null.</summary>
    public static async Task<LoadedDocument?> LoadAsync(EventStore.EventStore store, Guid documentId, PatientId patient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var (state, version) = await store.AggregateAsync(Deciders.Result, StreamIds.Result(new DocumentId(documentId)), cancellationToken: cancellationToken);
        return state.Exists && state.Patient?.PatientId == patient && state.Current is not null ? new LoadedDocument(state, version) : null;
    }

    /// <summary>The document as the API shows it, with the sending organisation's name from the directory.</summary>
    public static async Task<DocumentDetail> DetailAsync(ResultState state, OrganizationDirectory organizations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(organizations);
        var organization = await organizations.FindAsync(state.Sender.Value, cancellationToken);
        return new(state.DocumentId.Value, ConsentText.Type(state.DocumentType!.Value), state.Status.ToString().ToLowerInvariant(), state.Sender.Value, organization?.Name,
            state.Versions.Count, state.Current!);
    }
}

/// <summary>The patient's cabinet: <c>/api/v1/patients/me/documents</c>.</summary>
public static class CabinetEndpoints
{
    public static void MapCabinet(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/patients/me/documents").RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Cabinet");
        group.MapGet("/", ListAsync)
            .WithName("listDocuments").WithSummary("The caller's documents, newest first; records the visit").Produces<CabinetPage>().Parameters(CabinetFilter.Parameters);
        group.MapGet("/{id:guid}", DetailAsync)
            .WithName("getDocument").WithSummary("One document with its current content; the read is recorded in the access journal").Produces<DocumentDetail>().Conditional().Problems(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/versions", VersionsAsync)
            .WithName("listDocumentVersions").WithSummary("Every version of a document with its delivery and correction reason").Produces<DocumentVersions>().Conditional().Problems(StatusCodes.Status404NotFound);
    }

    private static async Task<IResult> ListAsync(HttpContext http, CabinetQueries queries, IClock clock, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        var (filter, field, reason) = CabinetFilter.Parse(http.Request.Query);
        if (filter is null)
        {
            return ProblemTypes.Invalid(field!, reason!);
        }

        var previous = await queries.VisitAsync(me.Value, clock.GetCurrentInstant(), ct);
        return TypedResults.Ok(await queries.ListAsync(me.Value, filter, null, previous, ct));
    }

    private static async Task<IResult> DetailAsync(Guid id, HttpContext http, EventStore.EventStore store, OrganizationDirectory organizations, AccessRecorder access, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (await DocumentReader.LoadAsync(store, id, me, ct) is not { } loaded)
        {
            return PatientHttp.NotFound("no such document in this cabinet");
        }

        // A read answered 304 is recorded too: the patient is looking at the document, from a copy that is current.
        var state = loaded.State;
        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(http.User), state.DocumentId, "view document", null, AccessChannel.Web, PatientHttp.SourceAddress(http)), cancellationToken: ct);
        return PatientHttp.NotModified(http, loaded.StreamVersion)
            ? PatientHttp.NotModifiedResult()
            : TypedResults.Ok(await DocumentReader.DetailAsync(state, organizations, ct));
    }

    private static async Task<IResult> VersionsAsync(Guid id, HttpContext http, EventStore.EventStore store, AccessRecorder access, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (await DocumentReader.LoadAsync(store, id, me, ct) is not { } loaded)
        {
            return PatientHttp.NotFound("no such document in this cabinet");
        }

        var state = loaded.State;
        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(http.User), state.DocumentId, "view corrections", null, AccessChannel.Web, PatientHttp.SourceAddress(http)), cancellationToken: ct);
        return PatientHttp.NotModified(http, loaded.StreamVersion)
            ? PatientHttp.NotModifiedResult()
            : TypedResults.Ok(new DocumentVersions(id, state.Versions.Select(v => new DocumentVersionView(v.Number, v.DeliveryId, v.CorrectionReason, v.Content)).ToList()));
    }
}
