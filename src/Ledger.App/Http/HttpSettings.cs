using System.Globalization;

namespace Ledger.App.Http;

/// <summary>One fixed-window limit: <see cref="PermitLimit"/> requests per <see cref="Window"/>; a limit of 0 is off.</summary>
public sealed record RequestLimit(int PermitLimit, TimeSpan Window)
{
    public bool IsOff => PermitLimit <= 0;
}

/// <summary>
/// The HTTP settings of the ledger (configuration section <c>Ledger:Http</c>, documented in docs/operations.md,
/// "HTTP settings"): the public base address of share links, the CORS origins, the rate limits, HTTPS redirection and
/// HSTS. Read once at start; a value that cannot be read stops the start with its key named.
/// </summary>
public sealed record HttpSettings
{
    public const string Section = "Ledger:Http";

    /// <summary>The absolute address clients reach the ledger at (<c>https://ledger.example</c>); null: the request's own.</summary>
    public Uri? PublicBaseUrl { get; init; }

    /// <summary>Origins allowed to call the API from a browser; none by default (no CORS headers at all).</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Requests per share link (by its SHA-256, never the token).</summary>
    public RequestLimit ShareLinkLimit { get; init; } = new(60, TimeSpan.FromMinutes(1));

    /// <summary>Requests per signed-in subject (the token's <c>sub</c>), organisations excepted.</summary>
    public RequestLimit SubjectLimit { get; init; } = new(600, TimeSpan.FromMinutes(1));

    /// <summary>Requests per delivering organisation (role organization); off by default, see docs/operations.md.</summary>
    public RequestLimit OrganizationLimit { get; init; } = new(0, TimeSpan.FromMinutes(1));

    /// <summary>Redirect plain HTTP to HTTPS (with <see cref="HttpsPort"/> when the port is not 443).</summary>
    public bool HttpsRedirection { get; init; }

    public int? HttpsPort { get; init; }

    /// <summary>Send <c>Strict-Transport-Security</c> with this max-age on HTTPS responses; null: no HSTS.</summary>
    public TimeSpan? HstsMaxAge { get; init; }

    public static HttpSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(Section);
        Uri? baseUrl = null;
        if (section["PublicBaseUrl"] is { Length: > 0 } text)
        {
            if (!Uri.TryCreate(text.TrimEnd('/'), UriKind.Absolute, out baseUrl) || baseUrl.Scheme is not ("http" or "https") || baseUrl.Query.Length > 0 || baseUrl.Fragment.Length > 0)
            {
                throw new InvalidOperationException($"{Section}:PublicBaseUrl must be an absolute http or https address without query, e.g. https://ledger.example");
            }
        }

        var defaults = new HttpSettings();
        return new HttpSettings
        {
            PublicBaseUrl = baseUrl,
            CorsOrigins = section.GetSection("CorsOrigins").GetChildren().Select(c => c.Value).OfType<string>()
                .Concat((section["CorsOrigins"] ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(o => o.TrimEnd('/')).Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            ShareLinkLimit = Limit(section, "ShareLink", defaults.ShareLinkLimit),
            SubjectLimit = Limit(section, "Subject", defaults.SubjectLimit),
            OrganizationLimit = Limit(section, "Organization", defaults.OrganizationLimit),
            HttpsRedirection = Bool(section, "HttpsRedirection"),
            HttpsPort = section["HttpsPort"] is { Length: > 0 } port ? Number(section, "HttpsPort", port) : null,
            HstsMaxAge = section["HstsMaxAgeDays"] is { Length: > 0 } days ? TimeSpan.FromDays(Number(section, "HstsMaxAgeDays", days)) : null,
        };
    }

    /// <summary>The base of absolute links: the configured address, else the scheme, host and path base of the request.</summary>
    public string BaseAddress(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return PublicBaseUrl is { } configured
            ? configured.GetLeftPart(UriPartial.Path).TrimEnd('/')
            : $"{request.Scheme}://{request.Host.ToUriComponent()}{request.PathBase.ToUriComponent()}";
    }

    private static RequestLimit Limit(IConfigurationSection section, string name, RequestLimit fallback)
    {
        var limit = section.GetSection("RateLimits").GetSection(name);
        var permits = limit["PermitLimit"] is { Length: > 0 } p ? Number(limit, "PermitLimit", p) : fallback.PermitLimit;
        var window = limit["WindowSeconds"] is { Length: > 0 } w ? TimeSpan.FromSeconds(Number(limit, "WindowSeconds", w)) : fallback.Window;
        if (window <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{limit.Path}:WindowSeconds must be 1 or more");
        }

        return new RequestLimit(permits, window);
    }

    private static int Number(IConfigurationSection section, string key, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{section.Path}:{key} must be a whole number, not '{text}'");

    private static bool Bool(IConfigurationSection section, string key) =>
        section[key] is { Length: > 0 } text && (bool.TryParse(text, out var value)
            ? value
            : throw new InvalidOperationException($"{section.Path}:{key} must be true or false, not '{text}'"));
}
