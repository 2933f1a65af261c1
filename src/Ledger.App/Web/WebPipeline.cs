using System.Reflection;
using Ledger.App.Http.OpenApi;
using Microsoft.Extensions.FileProviders;

namespace Ledger.App.Web;

/// <summary>
/// The web cabinet's part of the request pipeline: the security headers, the static files (embedded in the
/// executable, served under <c>/static</c>), and the content negotiation of share links.
/// </summary>
public static class WebPipeline
{
    /// <summary>The Content-Security-Policy of every page: no inline script, nothing from elsewhere, no framing.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    public const string StaticPath = "/static";

    /// <summary>
    /// Call after authentication and the rate limits and before authorization: the share-link negotiation changes the
    /// path that routing matches, so routing runs here.
    /// </summary>
    public static IApplicationBuilder UseLedgerWeb(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(static (context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var http = (HttpContext)state;
                SetSecurityHeaders(http);
                return Task.CompletedTask;
            }, context);
            return next(context);
        });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new EmbeddedFileProvider(Assembly.GetExecutingAssembly(), "Ledger.App.Web.wwwroot"),
            RequestPath = StaticPath,
        });
        app.Use(static (context, next) =>
        {
            SharedNegotiation.Apply(context);
            return next(context);
        });
        app.UseRouting();
        return app;
    }

    /// <summary>
    /// Every response but the API reference page (which runs its own script) gets the CSP, <c>nosniff</c> and
    /// <c>Referrer-Policy: no-referrer</c> (a share link must never leave through the referrer). Every page, share page
    /// and API answer is <c>Cache-Control: no-store</c> (they carry medical data); the static files are <c>no-cache</c>;
    /// <c>/health</c> and the API's description (<c>/openapi</c>, <c>/docs</c>) are left unmarked.
    /// </summary>
    internal static void SetSecurityHeaders(HttpContext http)
    {
        var headers = http.Response.Headers;
        var path = http.Request.Path;
        if (!path.StartsWithSegments(LedgerOpenApi.PagePath, StringComparison.OrdinalIgnoreCase))
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
        }

        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (path.StartsWithSegments(StaticPath, StringComparison.OrdinalIgnoreCase))
        {
            headers.CacheControl = "no-cache";
        }
        else if (!path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase)
            && !path.StartsWithSegments(LedgerOpenApi.PagePath, StringComparison.OrdinalIgnoreCase))
        {
            headers.CacheControl = "no-store";
        }
    }
}
