using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Security;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using NodaTime;

namespace Ledger.App.Identity;

/// <summary>The anti-forgery token a form sends back: in the field <see cref="FieldName"/> or the header <see cref="HeaderName"/>.</summary>
public sealed record AntiforgeryToken(string FieldName, string HeaderName, string Token);

/// <summary>Where a browser goes next after a sign-in step (the <c>Location</c> of the 303 answer).</summary>
public sealed record SignInNext(string Next);

/// <summary>A new authenticator to scan or type in.</summary>
public sealed record TotpEnrolmentAnswer(string Secret, string OtpauthUri, string QrSvg);

/// <summary>The recovery codes of a confirmed authenticator (shown once), and where to go next.</summary>
public sealed record RecoveryCodesAnswer(IReadOnlyList<string> RecoveryCodes, string Next);

/// <summary>The form fields of the password step.</summary>
public sealed record SignInForm(string Login, string Password);

/// <summary>The form field of a second step: a 6-digit code or a recovery code; and where to go after the sign-in.</summary>
public sealed record CodeForm(string Code, string? ReturnUrl);

/// <summary>
/// The form endpoints of the ledger's own sign-in (docs/identity.md): form posts with an anti-forgery token, answered by
/// 303 See Other on success (or 200 JSON when the request accepts JSON), problem+json otherwise. One answer for every
/// refused credential.
/// </summary>
public static class IdentityEndpoints
{
    public const string SignInPath = "/account/sign-in";
    public const string SecondFactorPath = "/account/sign-in/second-factor";
    public const string EnrolPath = "/account/totp/enrol";
    public const string RecoveryCodesPath = "/account/totp/recovery-codes";
    private const string FormType = "application/x-www-form-urlencoded";
    private const string MultipartType = "multipart/form-data";

    public static void MapIdentity(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/account").WithTags("Identity");

        group.MapGet("/antiforgery", (HttpContext http, IAntiforgery antiforgery) =>
        {
            var tokens = antiforgery.GetAndStoreTokens(http);
            return TypedResults.Ok(new AntiforgeryToken(tokens.FormFieldName, tokens.HeaderName ?? IdentityAuthentication.AntiforgeryHeader, tokens.RequestToken!));
        }).WithName("getAntiforgeryToken").WithSummary("An anti-forgery token for the sign-in forms (sets its cookie)")
            .WithDescription("The token is bound to the caller as signed in at the moment: fetch a new one after signing in.");

        group.MapPost("/sign-in", async Task<IResult> (HttpContext http, IdentityService identity, IdentitySettings settings, CancellationToken ct) =>
        {
            if (await FormAsync(http, settings) is { } refusal)
            {
                return BackToPage(http, SignInPath, refusal);
            }

            var form = http.Request.Form;
            var returnUrl = ReturnUrl(form);
            if (Field(form, "login", 256) is not { } login)
            {
                return BackToPage(http, SignInPath, ProblemTypes.Invalid("login", "required, at most 256 characters"), SignInErrors.Missing, returnUrl);
            }

            if (Field(form, "password", PasswordRules.MaximumLength * 4) is not { } password)
            {
                return BackToPage(http, SignInPath, ProblemTypes.Invalid("password", "required"), SignInErrors.Missing, returnUrl);
            }

            var step = await identity.CheckPasswordAsync(login, password, Client(http), ct);
            if (step is null)
            {
                return BackToPage(http, SignInPath, Refused(), SignInErrors.Refused, returnUrl);
            }

            var stage = step.SecondFactorEnrolled ? "second-factor" : "enrolment";
            await http.SignInAsync(IdentityAuthentication.PendingScheme, IdentityAuthentication.PendingPrincipal(step.Patient, stage));
            return Next(http, WithReturnUrl(step.SecondFactorEnrolled ? SecondFactorPath : EnrolPath, returnUrl));
        }).WithName("signIn").WithSummary("The password step: answers where the second step is and sets the sign-in cookie")
            .SignInForm<SignInForm>();

        group.MapPost("/sign-in/second-factor", async Task<IResult> (HttpContext http, IdentityService identity, IdentitySettings settings, IClock clock, CancellationToken ct) =>
        {
            if (await FormAsync(http, settings) is { } refusal)
            {
                return BackToPage(http, SecondFactorPath, refusal);
            }

            var returnUrl = ReturnUrl(http.Request.Form);
            if (await PendingAsync(http, "second-factor") is not { } patient)
            {
                return BackToPage(http, SignInPath, Expired(), SignInErrors.Expired, returnUrl);
            }

            if (Field(http.Request.Form, "code", 64) is not { } code)
            {
                return BackToPage(http, SecondFactorPath, ProblemTypes.Invalid("code", "a 6-digit code or a recovery code"), SignInErrors.Missing, returnUrl);
            }

            if (await identity.CheckSecondFactorAsync(patient, code, Client(http), ct) is not { } method)
            {
                return BackToPage(http, SecondFactorPath, Refused(), SignInErrors.Refused, returnUrl);
            }

            await SignInAsync(http, patient, clock, method == SignInMethod.RecoveryCode ? "rc" : "otp");
            return Next(http, returnUrl);
        }).WithName("signInSecondFactor").WithSummary("The second step: a one-time code or a recovery code; sets the session cookie")
            .SignInForm<CodeForm>();

        group.MapPost("/sign-out", async Task<IResult> (HttpContext http, IdentityService identity, IdentitySettings settings, CancellationToken ct) =>
        {
            if (await FormAsync(http, settings, ownSignInOnly: false) is { } refusal)
            {
                return BackToPage(http, "/", refusal);
            }

            var session = await http.AuthenticateAsync(IdentityAuthentication.SessionScheme);
            if (session.Succeeded && session.Principal.SubjectId() is { } patient && !session.Principal.HasClaim(IdentityAuthentication.MethodClaim, "ext"))
            {
                await identity.SignOutAsync(new PatientId(patient), Client(http), ct);
            }

            await http.SignOutAsync(IdentityAuthentication.SessionScheme);
            await http.SignOutAsync(IdentityAuthentication.PendingScheme);
            return Next(http, FromPage(http) ? SignInPath + "?done=" + SignInErrors.SignedOut : "/");
        }).WithName("signOut").WithSummary("Ends the session (every session of the patient issued before) and removes its cookie")
            .SignInForm<object>(withBody: false);

        group.MapPost("/totp/enrol", async Task<IResult> (HttpContext http, IdentityService identity, IdentitySettings settings, CancellationToken ct) =>
        {
            if (await FormAsync(http, settings) is { } refusal)
            {
                return BackToPage(http, EnrolPath, refusal);
            }

            var returnUrl = ReturnUrl(http.Request.Form);
            if (await EnrollingAsync(http) is not { } who)
            {
                return BackToPage(http, SignInPath, Expired(), SignInErrors.Expired, returnUrl);
            }

            var enrolment = await identity.StartTotpEnrolmentAsync(who.Patient, ct);
            if (FromPage(http))
            {
                // The page shows the pending secret itself: the browser goes back to it.
                return Next(http, WithReturnUrl(EnrolPath, returnUrl));
            }

            return TypedResults.Ok(new TotpEnrolmentAnswer(enrolment.Secret, enrolment.OtpauthUri, enrolment.QrSvg));
        }).WithName("enrolTotp").WithSummary("A new authenticator secret, as otpauth URI and QR code (SVG); pending until confirmed")
            .SignInForm<object>(withBody: false, answers: typeof(TotpEnrolmentAnswer), note: "Called after a password step that answered the enrolment (with the sign-in cookie), or in a session to replace the authenticator.");

        group.MapPost("/totp/confirm", async Task<IResult> (HttpContext http, IdentityService identity, IdentitySettings settings, IClock clock, CancellationToken ct) =>
        {
            if (await FormAsync(http, settings) is { } refusal)
            {
                return BackToPage(http, EnrolPath, refusal);
            }

            var returnUrl = ReturnUrl(http.Request.Form);
            if (await EnrollingAsync(http) is not { } who)
            {
                return BackToPage(http, SignInPath, Expired(), SignInErrors.Expired, returnUrl);
            }

            if (Field(http.Request.Form, "code", 64) is not { } code)
            {
                return BackToPage(http, EnrolPath, ProblemTypes.Invalid("code", "the 6-digit code the authenticator shows"), SignInErrors.Missing, returnUrl);
            }

            if (await identity.ConfirmTotpEnrolmentAsync(who.Patient, code, Client(http), signsIn: who.Pending, ct) is not { } codes)
            {
                return BackToPage(http, EnrolPath, Refused(), SignInErrors.Refused, returnUrl);
            }

            if (who.Pending)
            {
                await SignInAsync(http, who.Patient, clock, "otp");
            }

            if (FromPage(http))
            {
                // Shown once by the page after the redirect: kept in the protected TempData cookie, never in the address.
                RecoveryCodesHandOver.Put(http, codes);
                return Next(http, WithReturnUrl(RecoveryCodesPath, returnUrl));
            }

            return TypedResults.Ok(new RecoveryCodesAnswer(codes, returnUrl));
        }).WithName("confirmTotp").WithSummary("Confirms the new authenticator with its first code; answers the recovery codes (shown once)")
            .SignInForm<CodeForm>(answers: typeof(RecoveryCodesAnswer));
    }

    /// <summary>Documents a form endpoint: its form body, 303 with Location, 200 JSON, and its problems.</summary>
    private static RouteHandlerBuilder SignInForm<TForm>(this RouteHandlerBuilder builder, bool withBody = true, Type? answers = null, string? note = null)
        where TForm : notnull
    {
        builder.WithDescription((note is null ? string.Empty : note + "\n\n") +
            $"A form post ({FormType} or {MultipartType}) carrying the anti-forgery token of GET /account/antiforgery in the field `{IdentityAuthentication.AntiforgeryField}` (or the header `{IdentityAuthentication.AntiforgeryHeader}`)"
            + (withBody ? " beside the fields below." : " and no other field.")
            + (answers is null ? " Answers 303 See Other with Location, or 200 with the same address as JSON when the request accepts application/json." : string.Empty)
            + " A post from a browser's page (Accept with text/html and without JSON) is answered by 303 only: a refusal goes back to the form's page with `?error=` (docs/identity.md).");
        if (withBody)
        {
            builder.Accepts<TForm>(FormType, MultipartType);
        }

        if (answers is not null)
        {
            return builder.Produces(StatusCodes.Status200OK, answers)
                .Header(StatusCodes.Status303SeeOther, "Location", "To a browser's page only: the next page, or back to the form with ?error=.")
                .Problems(StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity);
        }

        return builder.Produces<SignInNext>()
            .Header(StatusCodes.Status303SeeOther, "Location", "Where the browser goes next (the second step, the enrolment, or the return address).")
            .Problems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound, StatusCodes.Status415UnsupportedMediaType);
    }

    /// <summary>
    /// Refuses what no form step accepts: the own sign-in turned off (an external provider), a body that is not a form, a
    /// missing or wrong anti-forgery token. Null when the form may be read.
    /// </summary>
    private static async Task<IResult?> FormAsync(HttpContext http, IdentitySettings settings, bool ownSignInOnly = true)
    {
        if (ownSignInOnly && !settings.OwnSignIn)
        {
            return PatientsNotFound("the ledger's own sign-in is off: patients sign in through the configured OpenID Connect provider (GET /account/sign-in/oidc)");
        }

        if (!http.Request.HasFormContentType)
        {
            return ProblemTypes.Problem(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.Unsupported, "Unsupported content type", $"send the form as {FormType} or {MultipartType}");
        }

        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
            return null;
        }
        catch (AntiforgeryValidationException)
        {
            return ProblemTypes.Invalid(IdentityAuthentication.AntiforgeryField, "the form's anti-forgery token is missing or not valid: fetch the form (or GET /account/antiforgery) again");
        }
    }

    private static string? Field(IFormCollection form, string name, int maxLength) =>
        form[name].ToString() is { Length: > 0 } value && value.Length <= maxLength ? value : null;

    /// <summary>A path of this ledger to go to after the sign-in: a local path only (never another site), else <c>/</c>.</summary>
    private static string ReturnUrl(IFormCollection form) => ReturnUrl(form["returnUrl"].ToString());

    /// <summary>A local path to return to (a path of this ledger only: no scheme, no host, no <c>//</c> or <c>/\</c>), else <c>/</c>.</summary>
    public static string ReturnUrl(string? text) =>
        text is { Length: > 0 } path && path.StartsWith('/') && !path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("/\\", StringComparison.Ordinal) && !path.Contains("://", StringComparison.Ordinal)
            ? path
            : "/";

    /// <summary><paramref name="path"/> with the return address as its query, unless that is <c>/</c>.</summary>
    public static string WithReturnUrl(string path, string returnUrl) =>
        returnUrl == "/" ? path : path + "?returnUrl=" + Uri.EscapeDataString(returnUrl);

    /// <summary>
    /// A form posted by a page in a browser: the request accepts HTML and not JSON. Such a post is answered by redirects
    /// only (a refusal goes back to the form with an error code); a script gets problem+json or JSON as documented.
    /// </summary>
    public static bool FromPage(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var accept = http.Request.GetTypedHeaders().Accept;
        return accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            && !accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || a.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// A refusal: <paramref name="problem"/> for a script; for a page, 303 back to the form page <paramref name="page"/>
    /// with the error code (never a credential) and the return address.
    /// </summary>
    private static IResult BackToPage(HttpContext http, string page, IResult problem, string error = SignInErrors.Form, string returnUrl = "/")
    {
        if (!FromPage(http) || problem is ProblemHttpResult { StatusCode: StatusCodes.Status404NotFound })
        {
            return problem;
        }

        http.Response.Headers[HeaderNames.Location] = page + "?error=" + error + (returnUrl == "/" ? string.Empty : "&returnUrl=" + Uri.EscapeDataString(returnUrl));
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static IResult Next(HttpContext http, string next)
    {
        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return TypedResults.Ok(new SignInNext(next));
        }

        http.Response.Headers[HeaderNames.Location] = next;
        return TypedResults.StatusCode(StatusCodes.Status303SeeOther);
    }

    private static async Task SignInAsync(HttpContext http, PatientId patient, IClock clock, string method)
    {
        await http.SignOutAsync(IdentityAuthentication.PendingScheme);
        await http.SignInAsync(IdentityAuthentication.SessionScheme, IdentityAuthentication.SessionPrincipal(patient, clock.GetCurrentInstant(), "pwd", method));
    }

    /// <summary>The patient of a pending sign-in at <paramref name="stage"/>, from the sign-in cookie.</summary>
    private static async Task<PatientId?> PendingAsync(HttpContext http, string stage)
    {
        var pending = await http.AuthenticateAsync(IdentityAuthentication.PendingScheme);
        return pending.Succeeded && pending.Principal.HasClaim(IdentityAuthentication.StageClaim, stage) && pending.Principal.SubjectId() is { } id
            ? new PatientId(id)
            : null;
    }

    /// <summary>Who may enrol an authenticator: a pending sign-in at the enrolment stage, or a patient's own session.</summary>
    internal static async Task<(PatientId Patient, bool Pending)?> EnrollingAsync(HttpContext http)
    {
        if (await PendingAsync(http, "enrolment") is { } pending)
        {
            return (pending, true);
        }

        var session = await http.AuthenticateAsync(IdentityAuthentication.SessionScheme);
        return session.Succeeded && session.Principal.SubjectId() is { } id && !session.Principal.HasClaim(IdentityAuthentication.MethodClaim, "ext")
            ? (new PatientId(id), false)
            : null;
    }

    /// <summary>The one answer to a refused credential: it never says which part was wrong, or whether the account exists.</summary>
    private static ProblemHttpResult Refused() => ProblemTypes.Problem(
        StatusCodes.Status401Unauthorized,
        ProblemTypes.Unauthorized,
        "Sign-in refused",
        "the login, the password or the code is wrong, or the account is locked for a while after repeated failures");

    private static ProblemHttpResult Expired() => ProblemTypes.Problem(
        StatusCodes.Status401Unauthorized,
        ProblemTypes.Unauthorized,
        "No sign-in in progress",
        "the sign-in was not started or took too long: sign in with the password again");

    private static ProblemHttpResult PatientsNotFound(string detail) =>
        ProblemTypes.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", detail);

    private static SignInClient Client(HttpContext http)
    {
        var agent = http.Request.Headers.UserAgent.ToString();
        return new SignInClient(http.Connection.RemoteIpAddress?.ToString(), agent.Length == 0 ? null : agent.Length > 512 ? agent[..512] : agent);
    }
}
