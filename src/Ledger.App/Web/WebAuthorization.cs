using Ledger.App.Identity;
using Ledger.App.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Ledger.App.Web;

/// <summary>
/// Who may open the cabinet's pages: a patient, authenticated by any of <see cref="PatientSchemes"/>, exactly as the
/// <c>/api/v1/patients/me/...</c> endpoints authorize (role <c>patient</c>, the patient id in <c>sub</c>).
/// </summary>
public static class WebAuthorization
{
    /// <summary>The named policy every cabinet page carries.</summary>
    public const string PatientPolicy = "cabinet-patient";

    /// <summary>Where a visitor without credentials is sent.</summary>
    public const string SignInPath = "/account/sign-in";

    /// <summary>
    /// The authentication schemes the pages accept: the session cookie of the cabinet's sign-in (docs/identity.md) and
    /// the API's bearer token.
    /// </summary>
    public static IReadOnlyList<string> PatientSchemes { get; } = [IdentityAuthentication.SessionScheme, JwtBearerDefaults.AuthenticationScheme];

    public static void AddPolicy(AuthorizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddPolicy(PatientPolicy, policy => policy.AddAuthenticationSchemes([.. PatientSchemes]).RequireAuthenticatedUser().RequireRole(Roles.Patient));
    }
}

/// <summary>Endpoint metadata of a cabinet page: a refused visit is answered for a browser, not for an API client.</summary>
public sealed class CabinetPageMetadata;

/// <summary>
/// On a cabinet page, a visitor without valid credentials is redirected to the sign-in page (with the page to come back
/// to); a signed-in caller who is not a patient gets 403. Everywhere else the default handling applies (401/403).
/// </summary>
public sealed class WebAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler fallback = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Challenged && context.GetEndpoint()?.Metadata.GetMetadata<CabinetPageMetadata>() is not null)
        {
            var back = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
            context.Response.Redirect($"{context.Request.PathBase}{WebAuthorization.SignInPath}?returnUrl={Uri.EscapeDataString(back)}");
            return Task.CompletedTask;
        }

        return fallback.HandleAsync(next, context, policy, authorizeResult);
    }
}
