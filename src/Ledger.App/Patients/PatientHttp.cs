using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Ledger.App.Http;
using Ledger.App.Security;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.App.Patients;

/// <summary>What the patient-facing endpoints share: the caller, versions in headers, idempotency keys.</summary>
public static class PatientHttp
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>The metadata stamped on events a caller causes: internal ids only.</summary>
    public static EventMetadata Metadata(ClaimsPrincipal user, Guid commandId) =>
        new(CorrelationId: commandId, ActorKind: user.Role(), ActorId: user.SubjectId()?.ToString("D"));

    /// <summary>The patient a patient token speaks for.</summary>
    public static PatientId? Me(ClaimsPrincipal user) => user.SubjectId() is { } id && id != Guid.Empty ? new PatientId(id) : null;

    /// <summary>The actor of an access entry for the caller's role.</summary>
    public static Actor ActorOf(ClaimsPrincipal user)
    {
        var kind = user.Role() switch
        {
            Roles.Patient => ActorKind.Patient,
            Roles.Doctor => ActorKind.Doctor,
            Roles.Auditor => ActorKind.Auditor,
            Roles.Support or Roles.Admin => ActorKind.Support,
            _ => ActorKind.System,
        };
        return new Actor(kind, new ActorId(user.SubjectId() ?? Guid.Empty));
    }

    /// <summary>
    /// The command id from an <c>Idempotency-Key</c> header: the key itself when it is a uuid, otherwise a uuid
    /// derived from its text (scoped by <paramref name="scope"/>, so one key used on two operations does not collide).
    /// Null when the header is absent.
    /// </summary>
    public static Guid? IdempotencyKey(HttpRequest request, string scope)
    {
        var text = request.Headers[IdempotencyHeader].ToString().Trim();
        if (text.Length == 0)
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(scope + "\n" + text));
        hash[7] = (byte)((hash[7] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>The version named by <c>If-Match: "n"</c>; null without the header; false when it cannot be read.</summary>
    public static bool TryIfMatch(HttpRequest request, out ExpectedVersion? expected)
    {
        expected = null;
        var text = request.Headers.IfMatch.ToString().Trim();
        if (text.Length == 0)
        {
            return true;
        }

        if (text.StartsWith("W/", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        text = text.Trim('"');
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version >= 1)
        {
            expected = ExpectedVersion.Exactly(version);
            return true;
        }

        return false;
    }

    public static void SetETag(HttpResponse response, long version) =>
        response.Headers.ETag = "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";

    /// <summary>
    /// Sets <c>ETag</c> to the stream's version and tells whether the request's <c>If-None-Match</c> names it (or is
    /// <c>*</c>): then the answer is <see cref="NotModifiedResult"/>, without a body.
    /// </summary>
    public static bool NotModified(HttpContext http, long version)
    {
        ArgumentNullException.ThrowIfNull(http);
        SetETag(http.Response, version);
        var header = http.Request.Headers.IfNoneMatch.ToString();
        if (header.Length == 0)
        {
            return false;
        }

        var tag = "\"" + version.ToString(CultureInfo.InvariantCulture) + "\"";
        return header.Split(',').Select(t => t.Trim()).Any(t => t == "*" || t == tag || t == "W/" + tag);
    }

    /// <summary>304: the client's copy (named by <c>If-None-Match</c>) is current.</summary>
    public static IResult NotModifiedResult() => TypedResults.StatusCode(StatusCodes.Status304NotModified);

    public static ProblemHttpResult BadIfMatch() => ProblemTypes.Invalid("If-Match", "must be a quoted stream version, e.g. \"3\"");

    public static ProblemHttpResult Stale(WrongExpectedVersionException e) => ProblemTypes.Problem(
        StatusCodes.Status412PreconditionFailed,
        ProblemTypes.StaleVersion,
        "The record changed since it was read",
        $"expected version {e.Expected}, actual {e.Actual?.ToString(CultureInfo.InvariantCulture) ?? "none"}");

    public static ProblemHttpResult NotFound(string what) =>
        ProblemTypes.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", what);

    public static ProblemHttpResult Forbidden(string detail, string? code = null) => ProblemTypes.Problem(
        StatusCodes.Status403Forbidden,
        ProblemTypes.Forbidden,
        "Access refused",
        detail,
        code is null ? null : new Dictionary<string, object?> { ["code"] = code });

    /// <summary>The caller's network address, as the server saw it (for the access journal only).</summary>
    public static string? SourceAddress(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();
}
