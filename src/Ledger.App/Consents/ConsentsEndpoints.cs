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

        if (!FullName.TryCreate(body.DoctorSurname, body.DoctorGivenName, body.DoctorPatronymic, out var doctor, out var reason))
        {
            return ProblemTypes.Invalid(reason.Contains("given", StringComparison.Ordinal) ? "doctorGivenName" : reason.Contains("patronymic", StringComparison.Ordinal) ? "doctorPatronymic" : "doctorSurname", reason);
        }

        if (!Snils.TryParse(body.DoctorSnils, out var snils, out reason))
        {
            return ProblemTypes.Invalid("doctorSnils", reason);
        }

        ConsentScope scope;
        switch (body.Scope ?? "all")
        {
            case "all":
                scope = ConsentScope.All();
                break;
            case "documentTypes" when body.DocumentTypes is { Count: > 0 } types:
                scope = ConsentScope.OfTypes([.. types.Distinct()]);
                break;
            case "documents" when body.DocumentIds is { Count: > 0 } ids && ids.All(i => i != Guid.Empty):
                scope = ConsentScope.OfDocuments([.. ids.Distinct().Select(i => new DocumentId(i))]);
                break;
            case "documentTypes":
                return ProblemTypes.Invalid("documentTypes", "list at least one document type");
            case "documents":
                return ProblemTypes.Invalid("documentIds", "list at least one document id");
            default:
                return ProblemTypes.Invalid("scope", "one of all, documentTypes, documents");
        }

        Instant? from = null;
        if (!string.IsNullOrWhiteSpace(body.ValidFrom))
        {
            var parsed = InstantPattern.ExtendedIso.Parse(body.ValidFrom);
            if (!parsed.Success)
            {
                return ProblemTypes.Invalid("validFrom", "an ISO-8601 instant, e.g. 2026-03-02T10:00:00Z");
            }

            from = parsed.Value;
        }

        var until = InstantPattern.ExtendedIso.Parse(body.ValidUntil ?? string.Empty);
        if (!until.Success)
        {
            return ProblemTypes.Invalid("validUntil", "an ISO-8601 instant, e.g. 2026-03-09T10:00:00Z");
        }

        if (string.IsNullOrWhiteSpace(body.Purpose))
        {
            return ProblemTypes.Invalid("purpose", "required");
        }

        var key = PatientHttp.IdempotencyKey(http.Request, "consents.grant." + me.Value.ToString("D"));
        var commandId = key ?? Guid.CreateVersion7();
        var consentId = new ConsentId(key is { } k ? StreamIds.Derived("consent-grant", k) : Guid.CreateVersion7());
        if (key is not null && await store.GetStreamAsync(consentId.Value, ct) is { } existing)
        {
            // A repeat: the share link was shown once, with the first answer; it is never stored and cannot be shown again.
            var (state, _) = await store.AggregateAsync(Deciders.Consent, consentId.Value, cancellationToken: ct);
            PatientHttp.SetETag(http.Response, existing.Version);
            return TypedResults.Ok(new ConsentGrantedResponse(consentId.Value, null, null, state.ValidFrom, state.ValidUntil, existing.Version));
        }

        var (token, hash) = ShareLinks.NewToken();
        var outcome = await executor.ExecuteAsync(
            Deciders.Consent,
            StreamIds.Consent(consentId),
            new GrantConsent(consentId, me, doctor, snils, body.DoctorOrganization is { } o && o != Guid.Empty ? new OrganizationId(o) : null, scope, body.Purpose, from, until.Value, Convert.ToHexStringLower(hash)),
            new CommandContext(commandId, PatientHttp.Metadata(http.User, commandId), me.Value, ExpectedVersion.NoStream),
            ct);
        var granted = outcome.Events.OfType<ConsentGranted>().Single();
        PatientHttp.SetETag(http.Response, outcome.Version);
        return TypedResults.Created(
            $"/api/v1/patients/me/consents/{consentId.Value:D}",
            new ConsentGrantedResponse(consentId.Value, token, $"{settings.BaseAddress(http.Request)}/api/v1/shared/{token}/documents", granted.ValidFrom, granted.ValidUntil, outcome.Version));
    }

    private static async Task<IResult> ListAsync(HttpContext http, ConsentsProjection consents, EventStore.EventStore store, IClock clock, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        var now = clock.GetCurrentInstant();
        var views = new List<ConsentView>();
        foreach (var row in await consents.ListAsync(me, ct))
        {
            var (state, version) = await store.AggregateAsync(Deciders.Consent, row.ConsentId, cancellationToken: ct);
            views.Add(View(row, state, version, now));
        }

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
            : TypedResults.Ok(View(row, state, version, clock.GetCurrentInstant()));
    }

    private static ConsentView View(ConsentRow row, ConsentState state, long version, Instant now) =>
        new(row.ConsentId, state.DoctorName, state.DoctorOrganization?.Value, row.ScopeKind, row.DocumentTypes, row.DocumentIds,
            state.Purpose, row.ValidFrom, row.ValidUntil, row.RevokedAt, row.StatusAt(now), version);

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
