using System.Globalization;
using System.Security.Claims;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Identity;

/// <summary>
/// The ledger's authentication schemes. A request with an <c>Authorization</c> header is authenticated by the bearer
/// scheme exactly as before; a request without one by the session cookie. Challenges and refusals always answer as the
/// bearer scheme does (401 or 403 problem+json, never a redirect), so every endpoint that requires a role accepts a
/// bearer token or a session cookie alike. The session's principal carries the claims a patient token carries
/// (<c>sub</c>, <c>role</c>).
/// </summary>
public static class IdentityAuthentication
{
    /// <summary>The default scheme: bearer when the request has an Authorization header, the session cookie otherwise.</summary>
    public const string DefaultScheme = "ledger";

    /// <summary>The signed-in session (cookie <c>ledger.session</c>).</summary>
    public const string SessionScheme = "ledger-session";

    /// <summary>Between the password and the second factor (cookie <c>ledger.sign-in</c>, path <c>/account</c>, a few minutes).</summary>
    public const string PendingScheme = "ledger-sign-in";

    /// <summary>An external OpenID Connect provider, when configured.</summary>
    public const string OpenIdConnectScheme = "oidc";

    public const string SessionCookie = "ledger.session";
    public const string PendingCookie = "ledger.sign-in";
    public const string AntiforgeryCookie = "ledger.antiforgery";
    public const string OnceCookie = "ledger.once";
    public const string AntiforgeryField = "__RequestVerificationToken";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>The instant the session was issued (ISO 8601): the absolute limit and sign-out are checked against it.</summary>
    public const string SignedInAtClaim = "signed_in_at";

    /// <summary>How the session was authenticated (RFC 8176 values: <c>pwd</c> with <c>otp</c>, or <c>ext</c> for an external provider).</summary>
    public const string MethodClaim = "amr";

    /// <summary>On the pending cookie: what the second step is (<c>second-factor</c> or <c>enrolment</c>).</summary>
    public const string StageClaim = "stage";

    /// <summary>Registers the schemes, the cookies, anti-forgery and (when configured) OpenID Connect.</summary>
    public static IServiceCollection AddLedgerAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = IdentitySettings.From(configuration);
        services.AddSingleton(settings);
        var protection = services.AddDataProtection().SetApplicationName("ledger");
        if (settings.KeyDirectory is { } keys)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = AntiforgeryCookie;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = settings.SecureAlways ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = AntiforgeryField;
            options.HeaderName = AntiforgeryHeader;
        });

        // The pages' TempData (ASP.NET's cookie, encrypted by data protection) carries the recovery codes from the
        // confirm endpoint to the page that shows them once.
        services.Configure<CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.Name = OnceCookie;
            options.Cookie.Path = "/account";
            options.Cookie.HttpOnly = true;
            options.Cookie.IsEssential = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = settings.SecureAlways ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        });

        var authentication = services.AddAuthentication(options =>
            {
                options.DefaultScheme = DefaultScheme;
                options.DefaultChallengeScheme = JwtBearerDefaults.AuthenticationScheme;
                options.DefaultForbidScheme = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddJwtBearer()
            .AddPolicyScheme(DefaultScheme, "bearer token or session cookie", options =>
            {
                options.ForwardDefaultSelector = context => context.Request.Headers.Authorization.Count > 0 ? JwtBearerDefaults.AuthenticationScheme : SessionScheme;
                options.ForwardChallenge = JwtBearerDefaults.AuthenticationScheme;
                options.ForwardForbid = JwtBearerDefaults.AuthenticationScheme;
            })
            .AddCookie(SessionScheme)
            .AddCookie(PendingScheme);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TokenService>((options, tokens) => tokens.Configure(options));
        services.AddOptions<CookieAuthenticationOptions>(SessionScheme).Configure<IClock, AccountDirectory>((options, clock, directory) =>
        {
            Cookie(options, SessionCookie, "/", settings);
            options.ExpireTimeSpan = settings.SessionIdle.ToTimeSpan();
            options.SlidingExpiration = true;
            options.TimeProvider = new ClockTimeProvider(clock);
            options.Events.OnValidatePrincipal = context => ValidateSessionAsync(context, settings, clock, directory);
        });
        services.AddOptions<CookieAuthenticationOptions>(PendingScheme).Configure<IClock>((options, clock) =>
        {
            Cookie(options, PendingCookie, "/account", settings);
            options.ExpireTimeSpan = settings.SecondStepLimit.ToTimeSpan();
            options.SlidingExpiration = false;
            options.TimeProvider = new ClockTimeProvider(clock);
        });

        if (settings.OpenIdConnect is { } oidc)
        {
            authentication.AddOpenIdConnect(OpenIdConnectScheme, options =>
            {
                options.Authority = oidc.Authority;
                options.ClientId = oidc.ClientId;
                options.ClientSecret = oidc.ClientSecret;
                options.CallbackPath = oidc.CallbackPath;
                options.ResponseType = "code";
                options.UsePkce = true;
                options.MapInboundClaims = false;
                options.SaveTokens = false;
                options.SignInScheme = SessionScheme;
                options.Events.OnTokenValidated = context => MapExternalPatientAsync(context, oidc);
            });
        }

        return services;
    }

    /// <summary>The session principal of a patient: the claims of a patient token, and when and how it signed in.</summary>
    public static ClaimsPrincipal SessionPrincipal(PatientId patient, Instant signedInAt, params string[] methods) =>
        new(new ClaimsIdentity(
            [
                new Claim(LedgerClaims.Subject, patient.Value.ToString("D")),
                new Claim(LedgerClaims.Role, Roles.Patient),
                new Claim(SignedInAtClaim, InstantPattern.ExtendedIso.Format(signedInAt)),
                .. methods.Select(m => new Claim(MethodClaim, m)),
            ],
            SessionScheme,
            LedgerClaims.Subject,
            LedgerClaims.Role));

    /// <summary>The principal of the pending cookie between the password and the second step.</summary>
    public static ClaimsPrincipal PendingPrincipal(PatientId patient, string stage) =>
        new(new ClaimsIdentity([new Claim(LedgerClaims.Subject, patient.Value.ToString("D")), new Claim(StageClaim, stage)], PendingScheme, LedgerClaims.Subject, LedgerClaims.Role));

    private static void Cookie(CookieAuthenticationOptions options, string name, string path, IdentitySettings settings)
    {
        options.Cookie.Name = name;
        options.Cookie.Path = path;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = settings.SameSite;
        options.Cookie.SecurePolicy = settings.SecureAlways ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        options.Cookie.IsEssential = true;

        // The schemes never redirect: a refusal is answered by the bearer scheme's 401 or 403 problem.
        options.Events.OnRedirectToLogin = context =>
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        };
        options.Events.OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        };
    }

    /// <summary>
    /// A session is refused past its absolute limit and, for the ledger's own sign-in, after the patient signed out
    /// anywhere and once the account is gone (a session of an external provider ends with its cookie).
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context, IdentitySettings settings, IClock clock, AccountDirectory directory)
    {
        var principal = context.Principal;
        var signedIn = principal?.FindFirst(SignedInAtClaim)?.Value is { } text && InstantPattern.ExtendedIso.Parse(text) is { Success: true } parsed ? parsed.Value : (Instant?)null;
        if (principal?.SubjectId() is not { } patient || signedIn is not { } at
            || clock.GetCurrentInstant() - at > settings.SessionLimit
            || (!principal.HasClaim(MethodClaim, "ext") && !await directory.SessionValidAsync(patient, at, context.HttpContext.RequestAborted)))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SessionScheme);
        }
    }

    /// <summary>Turns an external provider's token into the ledger's session principal, by the configured claim.</summary>
    private static async Task MapExternalPatientAsync(Microsoft.AspNetCore.Authentication.OpenIdConnect.TokenValidatedContext context, OpenIdConnectSettings oidc)
    {
        var value = context.Principal?.FindFirst(oidc.PatientClaim)?.Value;
        PatientId? patient = null;
        if (value is not null && oidc.PatientClaimKind == PatientClaimKind.PatientId && Guid.TryParse(value, out var id))
        {
            patient = new PatientId(id);
        }
        else if (value is not null && oidc.PatientClaimKind == PatientClaimKind.Snils && Snils.TryParse(value, out var snils, out _))
        {
            var patients = context.HttpContext.RequestServices.GetRequiredService<PatientDirectory>();
            patient = await patients.FindAsync(patients.Digest(snils!), context.HttpContext.RequestAborted);
        }

        if (patient is null)
        {
            context.Fail($"the provider's claim '{oidc.PatientClaim}' names no patient of this ledger");
            return;
        }

        var now = context.HttpContext.RequestServices.GetRequiredService<IClock>().GetCurrentInstant();
        context.Principal = SessionPrincipal(patient.Value, now, "ext");
    }

    /// <summary>The ledger's clock as the <see cref="TimeProvider"/> the cookie handlers read (a fake clock in tests).</summary>
    private sealed class ClockTimeProvider(IClock clock) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetCurrentInstant().ToDateTimeOffset();
    }
}
