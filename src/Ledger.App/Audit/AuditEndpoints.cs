using System.Text.Json;
using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Audit;

public sealed record AuditedEvent(long Version, long Position, Guid EventId, string Type, Instant RecordedAt, bool Erased, JsonElement? Data);

public sealed record StreamAsOf(Guid StreamId, string StreamType, Instant? AsOf, long Version, IReadOnlyList<AuditedEvent> Events);

public sealed record ConsentAsOf(Guid ConsentId, Instant AsOf, long Version, bool Granted, bool ActiveAt, Instant? ValidFrom, Instant? ValidUntil, Instant? RevokedAt, bool Expired, ConsentScopeKind? Scope, string? Purpose);

public sealed record AccessHistory(Guid PatientId, Instant From, Instant To, string Source, IReadOnlyList<JournalRow> Entries);

/// <summary>
/// Auditors (<c>/api/v1/audit</c>, role auditor): a patient's access history between two instants (from the journal
/// projection, or replayed from the raw access stream with <c>source=events</c>: both give the same answer), a stream's
/// events as of an instant, a consent's state as of an instant. Every auditor read is recorded in the patient's access
/// stream (actor kind auditor, channel api); a read of a stream that is no patient's is recorded in the auditor's own
/// (<see cref="AccessRecorder.OwnStream"/>).
/// </summary>
public static class AuditEndpoints
{
    public static void MapAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/audit").RequireAuthorization(p => p.RequireRole(Roles.Auditor)).WithTags("Audit");
        group.MapGet("/patients/{id:guid}/access", AccessAsync)
            .WithName("auditAccessHistory").WithSummary("A patient's access history recorded in [from, to), oldest first").Produces<AccessHistory>()
            .Parameters(
                new ApiParameter("from", "The first instant (ISO-8601, UTC) of the range.", Format: "date-time", Example: "2026-03-01T00:00:00Z", Required: true),
                new ApiParameter("to", "The instant after the range (ISO-8601, UTC).", Format: "date-time", Example: "2026-03-02T00:00:00Z", Required: true),
                new ApiParameter("source", "journal (the projection, default) or events (replayed from the raw access stream); both give the same answer.", Values: ["journal", "events"]));
        group.MapGet("/streams/{id:guid}", StreamAsync)
            .WithName("auditStream").WithSummary("A stream's events recorded at or before an instant (all without one)").Produces<StreamAsOf>().Conditional()
            .Parameters(new ApiParameter("asOf", "An instant (ISO-8601, UTC).", Format: "date-time", Example: "2026-03-02T09:00:00Z")).Problems(StatusCodes.Status404NotFound);
        group.MapGet("/consents/{id:guid}", ConsentAsync)
            .WithName("auditConsent").WithSummary("A consent's state at an instant (now without one)").Produces<ConsentAsOf>().Conditional()
            .Parameters(new ApiParameter("asOf", "An instant (ISO-8601, UTC).", Format: "date-time", Example: "2026-03-02T09:00:00Z")).Problems(StatusCodes.Status404NotFound);
    }

    /// <summary>The same history replayed from the raw access stream: entries recorded in [from, to).</summary>
    public static async Task<IReadOnlyList<JournalRow>> ReplayAsync(EventStore.EventStore store, Guid patientId, Instant from, Instant to, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = new List<JournalRow>();
        foreach (var recorded in await store.ReadStreamAsync(StreamIds.Access(new PatientId(patientId)), cancellationToken: cancellationToken))
        {
            if (recorded.IsErased || recorded.RecordedAt < from || recorded.RecordedAt >= to)
            {
                continue;
            }

            switch (store.Deserialize(recorded))
            {
                case RecordAccessed a: rows.Add(JournalRow.Of(a)); break;
                case AccessDenied d: rows.Add(JournalRow.Of(d)); break;
            }
        }

        return rows;
    }

    private static async Task<IResult> AccessAsync(Guid id, string? from, string? to, string? source, HttpContext http, AccessJournalQueries journal, EventStore.EventStore store, AccessRecorder access, CancellationToken ct)
    {
        if (!QueryInstant.TryParse(from ?? string.Empty, upperBound: false, out var start))
        {
            return ProblemTypes.Invalid("from", QueryInstant.Expected);
        }

        if (!QueryInstant.TryParse(to ?? string.Empty, upperBound: true, out var end))
        {
            return ProblemTypes.Invalid("to", QueryInstant.Expected);
        }

        source ??= "journal";
        if (source is not ("journal" or "events"))
        {
            return ProblemTypes.Invalid("source", "journal or events");
        }

        var rows = source == "journal"
            ? await journal.ListAsync(id, start, end, int.MaxValue, 0, newestFirst: false, ct)
            : await ReplayAsync(store, id, start, end, ct);
        await RecordAsync(access, http, id, null, "audit: access history", ct);
        return TypedResults.Ok(new AccessHistory(id, start, end, source, rows));
    }

    private static async Task<IResult> StreamAsync(Guid id, string? asOf, HttpContext http, EventStore.EventStore store, AccessRecorder access, CancellationToken ct)
    {
        if (!TryInstant(asOf, out var at))
        {
            return ProblemTypes.Invalid("asOf", "an ISO-8601 instant");
        }

        if (await store.GetStreamAsync(id, ct) is not { } info)
        {
            return PatientHttp.NotFound("no such stream");
        }

        var events = new List<AuditedEvent>();
        Guid? patient = null;
        foreach (var recorded in await store.ReadStreamAsync(id, cancellationToken: ct))
        {
            if (at is { } t && recorded.RecordedAt > t)
            {
                break;
            }

            JsonElement? data = null;
            if (!recorded.IsErased && recorded.Data is { } json)
            {
                data = JsonDocument.Parse(json).RootElement.Clone();
                patient ??= PatientOf(store.Deserialize(recorded));
            }

            events.Add(new AuditedEvent(recorded.StreamVersion, recorded.GlobalPosition, recorded.EventId, recorded.EventType, recorded.RecordedAt, recorded.IsErased, data));
        }

        if (patient is { } p)
        {
            await RecordAsync(access, http, p, null, "audit: stream as of an instant", ct);
        }
        else
        {
            // A stream that is no patient's record (an organisation, delivery refusals): the read still is an access event.
            await access.AccessedAsync(AccessRecorder.OwnStream(Auditor(http), $"audit: {info.StreamType} stream {id:D} as of an instant", AccessChannel.Api, PatientHttp.SourceAddress(http)), cancellationToken: ct);
        }

        var version = events.Count == 0 ? 0 : events[^1].Version;
        return PatientHttp.NotModified(http, version)
            ? PatientHttp.NotModifiedResult()
            : TypedResults.Ok(new StreamAsOf(id, info.StreamType, at, version, events));
    }

    private static async Task<IResult> ConsentAsync(Guid id, string? asOf, HttpContext http, EventStore.EventStore store, AccessRecorder access, IClock clock, CancellationToken ct)
    {
        if (!TryInstant(asOf, out var at))
        {
            return ProblemTypes.Invalid("asOf", "an ISO-8601 instant");
        }

        var instant = at ?? clock.GetCurrentInstant();
        var (state, version) = await store.AggregateAsync(Deciders.Consent, id, StreamPoint.AtInstant(instant), ct);
        if (!state.Granted)
        {
            return PatientHttp.NotFound("no such consent at that instant");
        }

        await RecordAsync(access, http, state.PatientId.Value, id, "audit: consent as of an instant", ct);
        if (PatientHttp.NotModified(http, version))
        {
            return PatientHttp.NotModifiedResult();
        }

        return TypedResults.Ok(new ConsentAsOf(id, instant, version, state.Granted, state.IsActiveAt(instant), state.ValidFrom, state.ValidUntil, state.RevokedAt, state.Expired,
            state.Scope?.Kind, state.Purpose));
    }

    private static Actor Auditor(HttpContext http) => new(ActorKind.Auditor, new ActorId(http.User.SubjectId() ?? Guid.Empty));

    private static Task RecordAsync(AccessRecorder access, HttpContext http, Guid patient, Guid? consent, string purpose, CancellationToken ct) =>
        access.AccessedAsync(
            new AccessEntry(new PatientId(patient), Auditor(http), null, purpose,
                consent is { } c ? new ConsentId(c) : null, AccessChannel.Api, PatientHttp.SourceAddress(http)),
            cancellationToken: ct);

    private static Guid? PatientOf(object e) => e switch
    {
        PatientRegistered r => r.PatientId.Value,
        IResultEvent r => r.Patient.PatientId?.Value,
        ConsentGranted g => g.PatientId.Value,
        ConsentRevoked r => r.PatientId.Value,
        ConsentExpired x => x.PatientId.Value,
        RecordAccessed a => a.PatientId.Value,
        AccessDenied d => d.PatientId.Value,
        ExportPerformed x => x.PatientId.Value,
        _ => null,
    };

    private static bool TryInstant(string? text, out Instant? instant)
    {
        instant = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var parsed = InstantPattern.ExtendedIso.Parse(text);
        instant = parsed.Success ? parsed.Value : null;
        return parsed.Success;
    }
}
