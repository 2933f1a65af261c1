using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Ledger.App.Patients;
using Ledger.App.Security;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.AspNetCore.RateLimiting;

namespace Ledger.App.Http;

/// <summary>
/// What every response gets from the transport side, from <see cref="HttpSettings"/>: <c>Cache-Control: no-store</c> on
/// the API (every answer under <c>/api</c> and <c>/fhir</c> carries personal or medical data, or ids that lead to them), CORS for the
/// configured origins only, HTTPS redirection and HSTS when configured, and rate limits per share link, per signed-in
/// subject and per delivering organisation, refused with 429 problem+json and <c>Retry-After</c>.
/// </summary>
public static class HttpPolicies
{
    public const string CorsPolicy = "ledger";

    /// <summary>The response headers a browser client may read besides the simple ones.</summary>
    private static readonly string[] ExposedHeaders = ["ETag", "Location", "Retry-After"];

    public static IServiceCollection AddLedgerHttpPolicies(this IServiceCollection services)
    {
        services.AddSingleton(sp => HttpSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<HttpSettings>((options, settings) =>
        {
            if (settings.CorsOrigins.Count > 0)
            {
                options.AddPolicy(CorsPolicy, policy => policy
                    .WithOrigins([.. settings.CorsOrigins])
                    .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
                    .WithHeaders("Authorization", "Content-Type", "If-Match", "If-None-Match", PatientHttp.IdempotencyHeader)
                    .WithExposedHeaders(ExposedHeaders)
                    .SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
            }
        });
        services.AddHsts(_ => { });
        services.AddOptions<HstsOptions>().Configure<HttpSettings>((options, settings) =>
        {
            options.MaxAge = settings.HstsMaxAge ?? TimeSpan.Zero;
            options.IncludeSubDomains = true;
        });
        services.AddHttpsRedirection(_ => { });
        services.AddOptions<HttpsRedirectionOptions>().Configure<HttpSettings>((options, settings) =>
        {
            options.RedirectStatusCode = StatusCodes.Status308PermanentRedirect;
            options.HttpsPort = settings.HttpsPort;
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<HttpSettings>((options, settings) =>
        {
            options.GlobalLimiter = Limiter(settings);
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>HTTPS redirection and HSTS (when configured), <c>no-store</c> on the API, CORS: before anything answers.</summary>
    public static IApplicationBuilder UseLedgerTransport(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.ApplicationServices.GetRequiredService<HttpSettings>();
        if (settings.HttpsRedirection)
        {
            app.UseHttpsRedirection();
        }

        if (settings.HstsMaxAge is not null)
        {
            app.UseHsts();
        }

        app.Use(static (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || context.Request.Path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase))
            {
                context.Response.OnStarting(static state =>
                {
                    ((HttpResponse)state).Headers.CacheControl = "no-store";
                    return Task.CompletedTask;
                }, context.Response);
            }

            return next(context);
        });
        if (settings.CorsOrigins.Count > 0)
        {
            app.UseCors(CorsPolicy);
        }

        return app;
    }

    /// <summary>The rate limits; after authentication, which names the subject.</summary>
    public static IApplicationBuilder UseLedgerRateLimits(this IApplicationBuilder app) => app.UseRateLimiter();

    /// <summary>
    /// One fixed window per share link (keyed by the link's SHA-256, so no token is kept), per delivering organisation
    /// (role organization) and per other signed-in subject; anything else (health, the OpenAPI document, a request without
    /// a valid token, which is refused anyway) is not limited.
    /// </summary>
    internal static PartitionedRateLimiter<HttpContext> Limiter(HttpSettings settings) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (ShareToken(context.Request.Path) is { } token)
            {
                return Partition("link:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))), settings.ShareLinkLimit);
            }

            if (context.User.SubjectId() is { } subject)
            {
                return context.User.Role() == Roles.Organization
                    ? Partition("organization:" + subject.ToString("N"), settings.OrganizationLimit)
                    : Partition("subject:" + subject.ToString("N"), settings.SubjectLimit);
            }

            return RateLimitPartition.GetNoLimiter(string.Empty);
        });

    private static RateLimitPartition<string> Partition(string key, RequestLimit limit) =>
        limit.IsOff
            ? RateLimitPartition.GetNoLimiter(key)
            : RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limit.PermitLimit,
                Window = limit.Window,
                QueueLimit = 0,
                AutoReplenishment = true,
            });

    private static string? ShareToken(PathString path)
    {
        if ((!path.StartsWithSegments("/api/v1/shared", StringComparison.OrdinalIgnoreCase, out var rest) && !path.StartsWithSegments("/fhir/r4/shared", StringComparison.OrdinalIgnoreCase, out rest)) || !rest.HasValue)
        {
            return null;
        }

        var text = rest.Value!.TrimStart('/');
        var end = text.IndexOf('/', StringComparison.Ordinal);
        var token = end < 0 ? text : text[..end];
        return token.Length == 0 ? null : token;
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ProblemTypes.Problem(
            StatusCodes.Status429TooManyRequests,
            ProblemTypes.TooManyRequests,
            "Too many requests",
            $"the rate limit was reached; try again in {seconds} s").ExecuteAsync(http);
    }
}
