using System.Globalization;
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

            return TypedResults.Ok(await queries.PageAsync(me.Value, page, size, ct));
        }).RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Identity")
            .WithName("getSignInJournal").WithSummary("The caller's sign-ins, failures, lock-outs and sign-outs, newest first, with address and user agent")
            .Produces<SignInJournalPage>()
            .Parameters(
                new ApiParameter("page", "The page, from 1.", Type: "integer", Minimum: 1, Example: "1"),
                new ApiParameter("pageSize", "Entries per page (default 50).", Type: "integer", Minimum: 1, Maximum: 200, Example: "50"));
}
