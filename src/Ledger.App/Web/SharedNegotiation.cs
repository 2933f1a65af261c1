using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;

namespace Ledger.App.Web;

/// <summary>
/// A share link (<c>/api/v1/shared/{token}/documents</c> and its documents) answers JSON to API clients and HTML to
/// browsers: a GET whose <c>Accept</c> ranks <c>text/html</c> above <c>application/json</c> (a browser's) is served by
/// the doctor's share pages under the same address; no <c>Accept</c>, <c>*/*</c> or <c>application/json</c> get JSON.
/// The pages answer only requests routed here, so the link's rate limit and access records apply to both.
/// </summary>
public static partial class SharedNegotiation
{
    /// <summary>Set on a request routed to the share pages: the link's token.</summary>
    public const string TokenItem = "ledger.share-token";

    public const string PagePrefix = "/share-page";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static void Apply(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return;
        }

        var match = SharedPath().Match(request.Path.Value ?? string.Empty);
        if (!match.Success || !PrefersHtml(request))
        {
            return;
        }

        context.Items[TokenItem] = match.Groups["token"].Value;
        request.Path = match.Groups["id"].Success
            ? $"{PagePrefix}/{match.Groups["token"].Value}/documents/{match.Groups["id"].Value}"
            : $"{PagePrefix}/{match.Groups["token"].Value}";
    }

    /// <summary>True when <c>text/html</c> has a higher quality than <c>application/json</c> in <c>Accept</c>.</summary>
    public static bool PrefersHtml(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        var html = accepted.Where(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1.0).DefaultIfEmpty(0.0).Max();
        return html > 0 && html > accepted.Where(a => Json.IsSubsetOf(a)).Select(a => a.Quality ?? 1.0).DefaultIfEmpty(0.0).Max();
    }

    [GeneratedRegex(@"^/api/v1/shared/(?<token>[A-Za-z0-9_-]+)/documents/?(?:(?<id>[0-9a-fA-F-]{36})/?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex SharedPath();
}
