using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Consents;

/// <summary>Body of <c>POST /api/v1/patients/me/consents</c>.</summary>
public sealed record GrantConsentRequest(
    string? DoctorSurname,
    string? DoctorGivenName,
    string? DoctorPatronymic,
    string? DoctorSnils,
    Guid? DoctorOrganization,
    string? Scope,
    IReadOnlyList<DocumentType>? DocumentTypes,
    IReadOnlyList<Guid>? DocumentIds,
    string? Purpose,
    string? ValidFrom,
    string? ValidUntil);

public sealed record RevokeConsentRequest(string? Reason);

public sealed record ConsentRevokedResponse(Guid ConsentId, bool Revoked, long Version);

public sealed record ConsentGrantedResponse(Guid ConsentId, string? ShareToken, string? ShareUrl, Instant ValidFrom, Instant ValidUntil, long Version);

public sealed record ConsentView(
    Guid ConsentId,
    FullName? Doctor,
    Guid? DoctorOrganization,
    ConsentScopeKind Scope,
    IReadOnlyList<string> DocumentTypes,
    IReadOnlyList<Guid> DocumentIds,
    string? Purpose,
    Instant ValidFrom,
    Instant ValidUntil,
    Instant? RevokedAt,
    string Status,
    long Version);

/// <summary>The patient's consents: grant (with a share link), list, revoke.</summary>
public static class ConsentsEndpoints
{
    public static void MapConsents(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/patients/me/consents").RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Consents");
        group.MapPost("/", GrantAsync)
            .WithName("grantConsent").WithSummary("Consent to a doctor and create the share link (shown once)")
            .Produces<ConsentGrantedResponse>(StatusCodes.Status201Created).Produces<ConsentGrantedResponse>().Header(StatusCodes.Status201Created, "Location", "The consent's address.")
            .ETag(StatusCodes.Status201Created).ETag().Parameters(ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/", ListAsync)
            .WithName("listConsents").WithSummary("The caller's consents with their status at the current instant").Produces<List<ConsentView>>();
        group.MapGet("/{id:guid}", GetAsync)
            .WithName("getConsent").WithSummary("One of the caller's consents with its status at the current instant (where the grant's Location points)")
            .Produces<ConsentView>().Conditional().Problems(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/revoke", RevokeAsync)
            .WithName("revokeConsent").WithSummary("Revoke a consent; its share link is refused from the next request on").Produces<ConsentRevokedResponse>().ETag()
            .Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> GrantAsync(GrantConsentRequest body, HttpContext http, CommandExecutor executor, EventStore.EventStore store, HttpSettings settings, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (body is null)
        {
            return ProblemTypes.Invalid("body", "a JSON body is required");
        }

        var (grant, field, reason) = ConsentRequests.Read(body);
        if (grant is null)
        {
            return ProblemTypes.Invalid(field!, reason!);
        }

        var key = PatientHttp.IdempotencyKey(http.Request, "consents.grant." + me.Value.ToString("D"));
        var issued = await ConsentRequests.GrantAsync(me, grant, key, PatientHttp.Metadata(http.User, key ?? Guid.Empty), executor, store, ct);
        PatientHttp.SetETag(http.Response, issued.Version);
        if (issued.Token is not { } token)
        {
            // A repeat: the share link was shown once, with the first answer; it is never stored and cannot be shown again.
            return TypedResults.Ok(new ConsentGrantedResponse(issued.ConsentId, null, null, issued.ValidFrom, issued.ValidUntil, issued.Version));
        }

        return TypedResults.Created(
            $"/api/v1/patients/me/consents/{issued.ConsentId:D}",
            new ConsentGrantedResponse(issued.ConsentId, token, ConsentRequests.ShareUrl(settings.BaseAddress(http.Request), token), issued.ValidFrom, issued.ValidUntil, issued.Version));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ConsentsProjection consents, EventStore.EventStore store, IClock clock, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        var views = await ConsentRequests.ViewsAsync(me, consents, store, clock.GetCurrentInstant(), ct);
        return TypedResults.Ok(views);
    }

    /// <summary>One consent of the patient (where <c>Location</c> of the grant points); 404 for anybody else's.</summary>
    private static async Task<IResult> GetAsync(Guid id, HttpContext http, ConsentsProjection consents, EventStore.EventStore store, IClock clock, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (await consents.FindAsync(id, ct) is not { } row || row.PatientId != me.Value)
        {
            return PatientHttp.NotFound("no such consent");
        }

        var (state, version) = await store.AggregateAsync(Deciders.Consent, row.ConsentId, cancellationToken: ct);
        return PatientHttp.NotModified(http, version)
            ? PatientHttp.NotModifiedResult()
            : TypedResults.Ok(ConsentRequests.View(row, state, version, clock.GetCurrentInstant()));
    }

    private static async Task<IResult> RevokeAsync(Guid id, RevokeConsentRequest? body, HttpContext http, ConsentsProjection consents, CommandExecutor executor, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (await consents.FindAsync(id, ct) is not { } row || row.PatientId != me.Value)
        {
            return PatientHttp.NotFound("no such consent");
        }

        if (!PatientHttp.TryIfMatch(http.Request, out var expected))
        {
            return PatientHttp.BadIfMatch();
        }

        var commandId = PatientHttp.IdempotencyKey(http.Request, "consents.revoke." + id.ToString("D")) ?? Guid.CreateVersion7();
        try
        {
            var outcome = await executor.ExecuteAsync(
                Deciders.Consent,
                id,
                new RevokeConsent(new ConsentId(id), body?.Reason),
                new CommandContext(commandId, PatientHttp.Metadata(http.User, commandId), me.Value, expected),
                ct);
            PatientHttp.SetETag(http.Response, outcome.Version);
            return TypedResults.Ok(new ConsentRevokedResponse(id, outcome.Events.Count > 0, outcome.Version));
        }
        catch (WrongExpectedVersionException e) when (expected is not null)
        {
            return PatientHttp.Stale(e);
        }
    }
}
