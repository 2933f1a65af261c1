using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;

namespace Ledger.App.AccessJournal;

public sealed record JournalPage(IReadOnlyList<JournalRow> Items, int Page, int PageSize, long Total);

/// <summary><c>GET /api/v1/patients/me/access-journal?page=&amp;pageSize=</c>: who saw or was refused the patient's record, newest first.</summary>
public static class AccessJournalEndpoints
{
    public static void MapAccessJournal(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/patients/me/access-journal", async Task<IResult> (HttpContext http, AccessJournalQueries queries, CancellationToken ct) =>
        {
            if (PatientHttp.Me(http.User) is not { } me)
            {
                return PatientHttp.Forbidden("the token names no patient");
            }

            if (PageQuery.TryRead(http.Request, out var page, out var size) is { } invalid)
            {
                return invalid;
            }

            var rows = await queries.ListAsync(me.Value, null, null, size, (long)(page - 1) * size, newestFirst: true, ct);
            return TypedResults.Ok(new JournalPage(rows, page, size, await queries.CountAsync(me.Value, ct)));
        }).RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Access journal")
            .WithName("getAccessJournal").WithSummary("Who saw or was refused the caller's record, newest first").Produces<JournalPage>()
            .Parameters(
                new ApiParameter("page", "The page, from 1.", Type: "integer", Minimum: 1, Example: "1"),
                new ApiParameter("pageSize", "Entries per page (default 50).", Type: "integer", Minimum: 1, Maximum: 200, Example: "50"));
}
