using System.Globalization;
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

            var page = 1;
            var size = 50;
            if (http.Request.Query["page"].ToString() is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
            {
                return ProblemTypes.Invalid("page", "a positive number");
            }

            if (http.Request.Query["pageSize"].ToString() is { Length: > 0 } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > 200))
            {
                return ProblemTypes.Invalid("pageSize", "1 to 200");
            }

            var rows = await queries.ListAsync(me.Value, null, null, size, (long)(page - 1) * size, newestFirst: true, ct);
            return TypedResults.Ok(new JournalPage(rows, page, size, await queries.CountAsync(me.Value, ct)));
        }).RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Access journal")
            .WithName("getAccessJournal").WithSummary("Who saw or was refused the caller's record, newest first").Produces<JournalPage>()
            .Parameters(
                new ApiParameter("page", "The page, from 1.", Type: "integer", Minimum: 1, Example: "1"),
                new ApiParameter("pageSize", "Entries per page (default 50).", Type: "integer", Minimum: 1, Maximum: 200, Example: "50"));
}
