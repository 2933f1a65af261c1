using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.Domain;
using Ledger.EventStore;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Http;

/// <summary>Stable problem types (RFC 9457) of the API; each names what went wrong, never how it was built.</summary>
public static class ProblemTypes
{
    public const string Validation = "urn:ledger:problem:validation";
    public const string Malformed = "urn:ledger:problem:malformed";
    public const string Rejected = "urn:ledger:problem:rejected";
    public const string Conflict = "urn:ledger:problem:conflict";
    public const string StaleVersion = "urn:ledger:problem:stale-version";
    public const string NotFound = "urn:ledger:problem:not-found";
    public const string MethodNotAllowed = "urn:ledger:problem:method-not-allowed";
    public const string Forbidden = "urn:ledger:problem:forbidden";
    public const string Unauthorized = "urn:ledger:problem:unauthorized";
    public const string TooLarge = "urn:ledger:problem:too-large";
    public const string TooManyRequests = "urn:ledger:problem:too-many-requests";
    public const string Unsupported = "urn:ledger:problem:unsupported-media-type";
    public const string Internal = "urn:ledger:problem:internal";
    public const string Integrity = "urn:ledger:problem:integrity";
    public const string Unavailable = "urn:ledger:problem:unavailable";

    /// <summary>Every type above, in the order the API documentation lists them.</summary>
    public static IReadOnlyList<string> All { get; } = typeof(ProblemTypes)
        .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToList();

    public static ProblemHttpResult Problem(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, null, status, title, type, extensions);

    /// <summary>A 400 naming the offending field.</summary>
    public static ProblemHttpResult Invalid(string field, string reason) =>
        Problem(StatusCodes.Status400BadRequest, Validation, "A field is not valid", $"{field}: {reason}", new Dictionary<string, object?> { ["field"] = field });

    /// <summary>The ledger's type and title for a status the framework answers by itself (no route, wrong method, no token).</summary>
    public static (string Type, string Title) ForStatus(int status) => status switch
    {
        StatusCodes.Status400BadRequest => (Validation, "The request could not be read"),
        StatusCodes.Status401Unauthorized => (Unauthorized, "A valid bearer token is required"),
        StatusCodes.Status403Forbidden => (Forbidden, "Access refused"),
        StatusCodes.Status404NotFound => (NotFound, "Not found"),
        StatusCodes.Status405MethodNotAllowed => (MethodNotAllowed, "The method is not allowed on this route"),
        StatusCodes.Status409Conflict => (Conflict, "The record changed meanwhile"),
        StatusCodes.Status412PreconditionFailed => (StaleVersion, "The record changed since it was read"),
        StatusCodes.Status413PayloadTooLarge => (TooLarge, "The request is too large"),
        StatusCodes.Status415UnsupportedMediaType => (Unsupported, "Unsupported content type"),
        StatusCodes.Status422UnprocessableEntity => (Rejected, "The request was refused"),
        StatusCodes.Status500InternalServerError => (Internal, "Something went wrong"),
        StatusCodes.Status503ServiceUnavailable => (Unavailable, "The ledger cannot serve requests now"),

        // A status no part of the ledger answers with: a type outside the documented list, so the contract tests notice.
        _ => ("urn:ledger:problem:status-" + status.ToString(CultureInfo.InvariantCulture), "HTTP " + status.ToString(CultureInfo.InvariantCulture)),
    };

    /// <summary>
    /// Gives every problem the framework writes (status code pages, authentication, routing) a ledger type, a title
    /// and a detail; problems the ledger wrote itself keep theirs.
    /// </summary>
    public static void Complete(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Status = status;
        if (problem.Type is null || !problem.Type.StartsWith("urn:ledger:problem:", StringComparison.Ordinal))
        {
            var (type, title) = ForStatus(status);
            problem.Type = type;
            problem.Title = title;
        }

        problem.Detail ??= DefaultDetail(status, context.HttpContext);
    }

    private static string DefaultDetail(int status, HttpContext http) => status switch
    {
        // The path is not repeated: a share link's path is its credential.
        StatusCodes.Status404NotFound => "no resource of the API answers at this address",
        StatusCodes.Status405MethodNotAllowed => http.Response.Headers.Allow is { Count: > 0 } allow
            ? $"this route answers {string.Join(", ", allow.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))}, not {http.Request.Method}"
            : $"this route does not answer {http.Request.Method}",
        StatusCodes.Status401Unauthorized => "send Authorization: Bearer <token>; the token is missing, invalid or expired",
        StatusCodes.Status403Forbidden => "the token's role may not call this endpoint",
        StatusCodes.Status415UnsupportedMediaType => "send the body as application/json",
        _ => "see the status code",
    };
}

/// <summary>Turns the domain's, the store's and the framework's exceptions into problem+json; anything else is a 500 without details.</summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var details = exception switch
        {
            DomainValidationException v => Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "A field is not valid", $"{v.Field}: {v.Reason}", ("field", v.Field)),
            DomainRejection r => Details(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Rejected, "The request was refused", r.Message, ("code", r.Code)),
            WrongExpectedVersionException w => Details(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The record changed meanwhile", $"expected version {w.Expected}, actual {w.Actual?.ToString(CultureInfo.InvariantCulture) ?? "none"}"),
            StreamArchivedException => Details(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The record is archived", "it can be read but not changed"),
            BadHttpRequestException b => Unreadable(b),
            _ => null,
        };
        if (details is null)
        {
            // No message, no payload: only the type, so no medical or personal data reaches the log.
            log.LogError("unhandled {ExceptionType} on {Method} {Path}", exception.GetType().Name, httpContext.Request.Method, httpContext.Request.Path);
            details = Details(StatusCodes.Status500InternalServerError, ProblemTypes.Internal, "Something went wrong", "the error was logged; nothing was changed unless the response said so");
        }

        httpContext.Response.StatusCode = details.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception });
    }

    /// <summary>
    /// A request the framework could not read: a body that is not JSON, a value of the wrong type or outside an
    /// enumeration (with the JSON path of the member at fault), a missing body, a body too large, another media type.
    /// The framework's own message names .NET types, so it is never passed on.
    /// </summary>
    private static ProblemDetails Unreadable(BadHttpRequestException exception)
    {
        switch (exception.StatusCode)
        {
            case StatusCodes.Status413PayloadTooLarge:
                return Details(StatusCodes.Status413PayloadTooLarge, ProblemTypes.TooLarge, "The request is too large", "the body is over the limit this endpoint accepts");
            case StatusCodes.Status415UnsupportedMediaType:
                return Details(StatusCodes.Status415UnsupportedMediaType, ProblemTypes.Unsupported, "Unsupported content type", "send the body as application/json");
        }

        if (exception.InnerException is JsonException json)
        {
            var field = JsonField(json.Path);

            // System.Text.Json reports broken JSON (as opposed to a well-formed value of the wrong shape) with its reader's exception inside.
            if (json.InnerException?.GetType().Name == "JsonReaderException")
            {
                var where = json.LineNumber is { } line && json.BytePositionInLine is { } position
                    ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1})")
                    : string.Empty;
                return Details(StatusCodes.Status400BadRequest, ProblemTypes.Malformed, "The body is not valid JSON", "the body could not be parsed as JSON" + where, ("field", field));
            }

            var expected = json is EnumValueException e ? e.Message : Expected(json.InnerException?.Message ?? json.Message);
            return Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "A field is not valid", $"{field}: {expected}", ("field", field));
        }

        if (RequiredBody().IsMatch(exception.Message))
        {
            return Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "A field is not valid", "body: a JSON body is required", ("field", "body"));
        }

        if (BoundParameter().Match(exception.Message) is { Success: true } bound)
        {
            var name = bound.Groups["name"].Value;
            return Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "A field is not valid", $"{name}: {Expected(bound.Groups["type"].Value)}", ("field", name));
        }

        return Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "The request could not be read", "the request is not in the form this endpoint accepts");
    }

    /// <summary><c>$.documentTypes[1]</c> → <c>documentTypes[1]</c>, the style of every other <c>field</c>; the whole body is <c>body</c>.</summary>
    private static string JsonField(string? path) =>
        path is null or "$" or "" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>
    /// What the member should have been, in JSON's words: from the reader's complaint ("… as a number") or the type the
    /// serializer names (a list), since the framework's messages name .NET types.
    /// </summary>
    private static string Expected(string message)
    {
        var type = ConvertedTo().Match(message) is { Success: true } converted ? converted.Groups["type"].Value : message;
        static bool Names(string text, params string[] names) => names.Any(n => text.Contains(n, StringComparison.Ordinal));
        return type switch
        {
            _ when Names(message, "as a number") || type is "decimal" or "double" || Names(type, "Decimal", "Double", "Single") => "a number",
            _ when Names(message, "as a string") || type is "string" || Names(type, "System.String") => "a string",
            _ when Names(message, "as a boolean") || type is "bool" || Names(type, "Boolean") => "true or false",
            _ when Names(message, "Guid") => "a uuid",
            _ when type is "int" or "long" || Names(type, "Int16", "Int32", "Int64") => "an integer",
            _ when Names(type, "[]", "List", "Enumerable", "Collection") => "an array",
            _ => "a value of another type (see the OpenAPI document)",
        };
    }

    private static ProblemDetails Details(int status, string type, string title, string detail, params (string Name, object? Value)[] extensions)
    {
        var details = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        foreach (var (name, value) in extensions)
        {
            details.Extensions[name] = value;
        }

        return details;
    }

    [GeneratedRegex("could not be converted to (?<type>[^ ]+?)\\.( Path|$)", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedTo();

    [GeneratedRegex("^(Required parameter \".+\" was not provided from body|Implicit body inferred for parameter \".+\" but no body was provided)", RegexOptions.CultureInvariant)]
    private static partial Regex RequiredBody();

    [GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]*) (?<name>[A-Za-z0-9_]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex BoundParameter();
}
