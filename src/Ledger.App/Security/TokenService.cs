using System.Security.Claims;
using Ledger.App.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NodaTime;

namespace Ledger.App.Security;

/// <summary>Issues and validates the ledger's bearer tokens (JWT, HMAC-SHA256, issuer and audience "ledger").</summary>
public sealed class TokenService(LedgerKeys keys, IClock clock)
{
    public const string Issuer = "ledger";
    public const string Audience = "ledger";

    public SymmetricSecurityKey SigningKey { get; } = new(keys.TokenSigningKey) { KeyId = "ledger-1" };

    /// <summary>A token for <paramref name="role"/> acting as <paramref name="subject"/>, valid for <paramref name="lifetime"/>.</summary>
    public string Issue(string role, Guid subject, Duration lifetime, IReadOnlyDictionary<string, string>? extraClaims = null)
    {
        if (!Roles.All.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"unknown role '{role}' (one of {string.Join(", ", Roles.All)})", nameof(role));
        }

        var now = clock.GetCurrentInstant();
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [LedgerClaims.Subject] = subject.ToString("D"),
            [LedgerClaims.Role] = role,
        };
        foreach (var (name, value) in extraClaims ?? new Dictionary<string, string>())
        {
            claims[name] = value;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            Claims = claims,
            IssuedAt = now.ToDateTimeUtc(),
            NotBefore = now.ToDateTimeUtc(),
            Expires = (now + lifetime).ToDateTimeUtc(),
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Bearer validation settings: signature, issuer, audience and lifetime against the ledger's clock.</summary>
    public void Configure(JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = SigningKey,
            RoleClaimType = LedgerClaims.Role,
            NameClaimType = LedgerClaims.Subject,
            ClockSkew = TimeSpan.FromSeconds(30),
            LifetimeValidator = (notBefore, expires, _, _) =>
            {
                var now = clock.GetCurrentInstant().ToDateTimeUtc();
                return (notBefore is null || notBefore.Value <= now.AddSeconds(30)) && expires is not null && expires.Value > now.AddSeconds(-30);
            },
        };
    }
}

/// <summary>Reading the caller from the request's principal.</summary>
public static class CallerExtensions
{
    public static Guid? SubjectId(this ClaimsPrincipal user) =>
        Guid.TryParse(user?.FindFirst(LedgerClaims.Subject)?.Value, out var id) ? id : null;

    public static string? Role(this ClaimsPrincipal user) => user?.FindFirst(LedgerClaims.Role)?.Value;
}
