using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;

namespace Ledger.App.Identity;

/// <summary><c>GET /api/v1/patients/me/sign-ins?page=&amp;pageSize=</c>: the caller's sign-in journal, newest first.</summary>
public static class SignInJournalEndpoints
{
    public static void MapSignInJournal(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/patients/me/sign-ins", async Task<IResult> (HttpContext http, SignInJournalQueries queries, CancellationToken ct) =>
        {
            if (PatientHttp.Me(http.User) is not { } me)
            {
                return PatientHttp.Forbidden("the token names no patient");
            }

            if (PageQuery.TryRead(http.Request, out var page, out var size) is { } invalid)
            {
                return invalid;
            }

            return TypedResults.Ok(await queries.PageAsync(me.Value, page, size, ct));
        }).RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Identity")
            .WithName("getSignInJournal").WithSummary("The caller's sign-ins, failures, lock-outs and sign-outs, newest first, with address and user agent")
            .Produces<SignInJournalPage>()
            .Parameters(
                new ApiParameter("page", "The page, from 1.", Type: "integer", Minimum: 1, Example: "1"),
                new ApiParameter("pageSize", "Entries per page (default 50).", Type: "integer", Minimum: 1, Maximum: 200, Example: "50"));
}
