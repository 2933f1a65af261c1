using Ledger.App.AccessJournal;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;

namespace Ledger.App.MedicalCard;

/// <summary>
/// Body of <c>POST /api/v1/patients/me/medical-card/conditions</c>: a condition the patient reports. A code is
/// optional (with its system, e.g. <c>http://hl7.org/fhir/sid/icd-10</c>); a code or a text is required.
/// <c>clinicalStatus</c> is a FHIR code (default <c>active</c>); <c>onset</c> a date (yyyy-MM-dd).
/// </summary>
public sealed record ReportConditionRequest(string? Text, string? Code, string? CodeSystem, string? CodeDisplay, string? ClinicalStatus, string? Onset, string? Note);

/// <summary>The answer to a reported condition: its entry id, whether this request stored it, the card stream's version.</summary>
public sealed record ConditionReported(Guid EntryId, bool Created, long Version);

/// <summary>The patient's medical card: <c>/api/v1/patients/me/medical-card</c>.</summary>
public static class MedicalCardEndpoints
{
    public static void MapMedicalCard(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/patients/me/medical-card").RequireAuthorization(p => p.RequireRole(Roles.Patient)).WithTags("Medical card");
        group.MapGet("/", GetAsync)
            .WithName("getMedicalCard").WithSummary("The caller's conditions and allergies, clinic-delivered and self-reported; the read is recorded in the access journal")
            .Produces<MedicalCardView>().Problems(StatusCodes.Status404NotFound);
        group.MapPost("/conditions", ReportAsync)
            .WithName("reportCondition").WithSummary("The caller reports a condition of their own, kept apart from the clinics' entries")
            .Produces<ConditionReported>(StatusCodes.Status201Created).Produces<ConditionReported>()
            .Header(StatusCodes.Status201Created, "Location", "The medical card the condition was put on.")
            .Parameters(ApiMetadata.IdempotencyKey).Problems(StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> GetAsync(HttpContext http, MedicalCardQueries queries, AccessRecorder access, EventStore.EventStore store, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (!await HasCabinetAsync(store, me, ct))
        {
            return PatientHttp.NotFound("no cabinet is registered for this patient");
        }

        // Recorded before anything is shown: a read that cannot be recorded shows nothing.
        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(http.User), null, "view medical card", null, AccessChannel.Web, PatientHttp.SourceAddress(http)), cancellationToken: ct);
        return TypedResults.Ok(await queries.GetAsync(me.Value, cancellationToken: ct));
    }

    private static async Task<IResult> ReportAsync(ReportConditionRequest? body, HttpContext http, ConditionReports reports, EventStore.EventStore store, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (!await HasCabinetAsync(store, me, ct))
        {
            return PatientHttp.NotFound("no cabinet is registered for this patient");
        }

        if (body is null)
        {
            return ProblemTypes.Invalid("body", "a JSON body is required");
        }

        var key = PatientHttp.IdempotencyKey(http.Request, "medicalcard.report." + me.Value.ToString("D"));
        var (answer, refusal) = await reports.ReportAsync(me, http.User, body, key, ct);
        if (refusal is not null)
        {
            return ProblemTypes.Invalid(refusal.Field, refusal.Reason);
        }

        return answer!.Created ? TypedResults.Created("/api/v1/patients/me/medical-card", answer) : TypedResults.Ok(answer);
    }

    /// <summary>Whether the patient has a cabinet (registered, not erased): an erased patient's card is gone, and so is the key its reads would be recorded with.</summary>
    private static async Task<bool> HasCabinetAsync(EventStore.EventStore store, Ledger.Domain.Identifiers.PatientId me, CancellationToken ct)
    {
        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(me), cancellationToken: ct);
        return state.Registered && !state.Erased;
    }
}
