using Ledger.App.Cabinet;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;

namespace Ledger.App.Consents;

/// <summary>
/// <c>/api/v1/shared/{token}/documents</c>: a share link, by the rules of <see cref="ShareLinkAccess"/>. A browser (an
/// <c>Accept</c> that prefers HTML) is served the doctor's share pages at the same address instead (docs/cabinet.md).
/// </summary>
public static class SharedEndpoints
{
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

    private static async Task<IResult> ListAsync(string token, HttpContext http, ShareLinkAccess links, CancellationToken ct)
    {
        var (filter, field, reason) = CabinetFilter.Parse(http.Request.Query);
        var outcome = await links.ListAsync(token, filter, PatientHttp.SourceAddress(http), ct);
        return outcome switch
        {
            { NotFound: true } => PatientHttp.NotFound("no such link"),
            { Refusal: { } refusal } => PatientHttp.Forbidden("the consent behind this link is not active", refusal),
            { Value: null } => ProblemTypes.Invalid(field!, reason!),
            _ => TypedResults.Ok(outcome.Value),
        };
    }

    private static async Task<IResult> DetailAsync(string token, Guid id, HttpContext http, ShareLinkAccess links, CancellationToken ct)
    {
        var outcome = await links.DocumentAsync(token, id, PatientHttp.SourceAddress(http), ct);
        return outcome switch
        {
            { Consent: null } => PatientHttp.NotFound("no such link"),
            { Refusal: { } refusal } => PatientHttp.Forbidden("the consent behind this link is not active", refusal),
            { NotFound: true } => PatientHttp.NotFound("no such document under this link"),
            _ => PatientHttp.NotModified(http, outcome.Value!.StreamVersion)
                ? PatientHttp.NotModifiedResult()
                : TypedResults.Ok(await links.DetailAsync(outcome.Value, ct)),
        };
    }
}
