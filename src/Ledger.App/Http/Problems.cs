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
    public const string Rejected = "urn:ledger:problem:rejected";
    public const string Conflict = "urn:ledger:problem:conflict";
    public const string StaleVersion = "urn:ledger:problem:stale-version";
    public const string NotFound = "urn:ledger:problem:not-found";
    public const string Forbidden = "urn:ledger:problem:forbidden";
    public const string Unauthorized = "urn:ledger:problem:unauthorized";
    public const string TooLarge = "urn:ledger:problem:too-large";
    public const string TooManyRequests = "urn:ledger:problem:too-many-requests";
    public const string Unsupported = "urn:ledger:problem:unsupported-media-type";
    public const string Internal = "urn:ledger:problem:internal";

    public static ProblemHttpResult Problem(int status, string type, string title, string? detail = null, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, null, status, title, type, extensions);

    /// <summary>A 400 naming the offending field.</summary>
    public static ProblemHttpResult Invalid(string field, string reason) =>
        Problem(StatusCodes.Status400BadRequest, Validation, "A field is not valid", $"{field}: {reason}", new Dictionary<string, object?> { ["field"] = field });
}

/// <summary>Turns the domain's and the store's exceptions into problem+json; anything else is a 500 without details.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var details = exception switch
        {
            DomainValidationException v => Details(StatusCodes.Status400BadRequest, ProblemTypes.Validation, "A field is not valid", $"{v.Field}: {v.Reason}", ("field", v.Field)),
            DomainRejection r => Details(StatusCodes.Status422UnprocessableEntity, ProblemTypes.Rejected, "The request was refused", r.Message, ("code", r.Code)),
            WrongExpectedVersionException w => Details(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The record changed meanwhile", $"expected version {w.Expected}, actual {w.Actual?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"),
            StreamArchivedException => Details(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The record is archived", "it can be read but not changed"),
            BadHttpRequestException b => Details(b.StatusCode, ProblemTypes.Validation, "The request could not be read", b.Message),
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

    private static ProblemDetails Details(int status, string type, string title, string detail, params (string Name, object? Value)[] extensions)
    {
        var details = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        foreach (var (name, value) in extensions)
        {
            details.Extensions[name] = value;
        }

        return details;
    }
}
