using System.Globalization;
using Ledger.Domain.Identity;
using NodaTime;

namespace Ledger.App.Identity;

/// <summary>What the patient's own identity is checked against in an OpenID Connect token's claim.</summary>
public enum PatientClaimKind
{
    /// <summary>The claim holds the patient's internal id (a uuid).</summary>
    PatientId,

    /// <summary>The claim holds the patient's СНИЛС, looked up through the keyed identifier digests.</summary>
    Snils,
}

/// <summary>An external OpenID Connect provider that signs patients in instead of the ledger's own sign-in.</summary>
public sealed record OpenIdConnectSettings(string Authority, string ClientId, string? ClientSecret, string PatientClaim, PatientClaimKind PatientClaimKind, string CallbackPath);

/// <summary>
/// The sign-in settings (configuration section <c>Ledger:Identity</c>, documented in docs/identity.md). Read once at
/// start; a value that cannot be read stops the start with its key named.
/// </summary>
public sealed record IdentitySettings
{
    public const string Section = "Ledger:Identity";

    /// <summary>The issuer an authenticator app shows beside the code.</summary>
    public string Issuer { get; init; } = "Моё здоровье";

    /// <summary>PBKDF2-HMAC-SHA256 iterations for new password hashes (at least <see cref="AccountDecider.MinimumIterations"/>).</summary>
    public int PasswordIterations { get; init; } = AccountDecider.MinimumIterations;

    public LockoutPolicy Lockout { get; init; } = LockoutPolicy.Default;

    /// <summary>A session ends after this long without a request (sliding).</summary>
    public Duration SessionIdle { get; init; } = Duration.FromMinutes(30);

    /// <summary>A session ends this long after the sign-in, however active it is.</summary>
    public Duration SessionLimit { get; init; } = Duration.FromHours(12);

    /// <summary>How long the second step may follow the password.</summary>
    public Duration SecondStepLimit { get; init; } = Duration.FromMinutes(5);

    /// <summary>The session cookie's SameSite mode: Strict (default) or Lax.</summary>
    public SameSiteMode SameSite { get; init; } = SameSiteMode.Strict;

    /// <summary>Mark cookies Secure always (behind a TLS-terminating proxy); otherwise Secure when the request came over HTTPS.</summary>
    public bool SecureAlways { get; init; }

    /// <summary>A directory shared by every node for ASP.NET's data-protection keys (cookies, anti-forgery); null: ASP.NET's default per machine.</summary>
    public string? KeyDirectory { get; init; }

    /// <summary>When set, patients sign in through this provider and the ledger's own password sign-in is off.</summary>
    public OpenIdConnectSettings? OpenIdConnect { get; init; }

    public bool OwnSignIn => OpenIdConnect is null;

    public static IdentitySettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        var defaults = new IdentitySettings();
        var iterations = Number(section, "PasswordIterations", defaults.PasswordIterations);
        if (iterations < AccountDecider.MinimumIterations)
        {
            throw new InvalidOperationException($"{Section}:PasswordIterations must be at least {AccountDecider.MinimumIterations}, not {iterations}");
        }

        var lockout = section.GetSection("Lockout");
        var sameSite = section["SameSite"] switch
        {
            null or "" or "Strict" => SameSiteMode.Strict,
            "Lax" => SameSiteMode.Lax,
            var other => throw new InvalidOperationException($"{Section}:SameSite must be Strict or Lax, not '{other}'"),
        };
        var secure = section["SecureCookies"] switch
        {
            null or "" or "SameAsRequest" => false,
            "Always" => true,
            var other => throw new InvalidOperationException($"{Section}:SecureCookies must be SameAsRequest or Always, not '{other}'"),
        };
        return new IdentitySettings
        {
            Issuer = section["Issuer"] is { Length: > 0 } issuer ? issuer : defaults.Issuer,
            PasswordIterations = iterations,
            Lockout = new LockoutPolicy(
                Number(lockout, "MaxFailures", defaults.Lockout.MaxFailures),
                Duration.FromMinutes(Number(lockout, "WindowMinutes", (int)defaults.Lockout.Window.TotalMinutes)),
                Duration.FromMinutes(Number(lockout, "LockMinutes", (int)defaults.Lockout.LockFor.TotalMinutes))),
            SessionIdle = Duration.FromMinutes(Number(section, "SessionIdleMinutes", (int)defaults.SessionIdle.TotalMinutes)),
            SessionLimit = Duration.FromMinutes(Number(section, "SessionLimitMinutes", (int)defaults.SessionLimit.TotalMinutes)),
            SecondStepLimit = Duration.FromMinutes(Number(section, "SecondStepMinutes", (int)defaults.SecondStepLimit.TotalMinutes)),
            SameSite = sameSite,
            SecureAlways = secure,
            KeyDirectory = section["KeyDirectory"] is { Length: > 0 } keys ? keys : null,
            OpenIdConnect = OpenIdConnectFrom(section.GetSection("OpenIdConnect")),
        };
    }

    private static OpenIdConnectSettings? OpenIdConnectFrom(IConfigurationSection section)
    {
        if (section["Authority"] is not { Length: > 0 } authority)
        {
            return null;
        }

        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new InvalidOperationException($"{section.Path}:Authority must be an absolute https address, not '{authority}'");
        }

        var clientId = section["ClientId"] is { Length: > 0 } id ? id : throw new InvalidOperationException($"{section.Path}:ClientId is required with an Authority");
        var kind = section["PatientClaimKind"] switch
        {
            null or "" or "PatientId" => PatientClaimKind.PatientId,
            "Snils" => PatientClaimKind.Snils,
            var other => throw new InvalidOperationException($"{section.Path}:PatientClaimKind must be PatientId or Snils, not '{other}'"),
        };
        return new OpenIdConnectSettings(
            authority,
            clientId,
            section["ClientSecret"] is { Length: > 0 } secret ? secret : null,
            section["PatientClaim"] is { Length: > 0 } claim ? claim : "sub",
            kind,
            section["CallbackPath"] is { Length: > 0 } callback ? callback : "/account/oidc/callback");
    }

    private static int Number(IConfigurationSection section, string key, int fallback)
    {
        if (section[key] is not { Length: > 0 } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{section.Path}:{key} must be a positive whole number, not '{text}'");
    }
}
