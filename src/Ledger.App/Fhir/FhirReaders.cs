using Ledger.App.AccessJournal;
using Ledger.App.Consents;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using NodaTime;

namespace Ledger.App.Fhir;

/// <summary>
/// Who a FHIR request reads as: the patient of a bearer token (role patient), or the doctor of a share link while its
/// consent is active. Refusals are <see cref="FhirProblem"/>s: no or another token 401/403, an unknown link 404, a link
/// whose consent is not active 403 (recorded as <c>AccessDenied</c>), an erased patient 410.
/// </summary>
public sealed class FhirReaders(EventStore.EventStore store, ConsentsProjection consents, AccessRecorder access, IClock clock)
{
    public const string LinkPurpose = "view under consent";

    /// <summary>The reader for the patient's own record (also for the web cabinet's FHIR download).</summary>
    public async Task<FhirReader> ForPatientAsync(PatientId patient, string baseUrl, CancellationToken cancellationToken)
    {
        var state = await PatientStateAsync(patient, cancellationToken);
        return new FhirReader(patient, state, null, baseUrl, clock.GetCurrentInstant());
    }

    public async Task<FhirReader> ForTokenAsync(HttpContext http, string baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.User.Identity?.IsAuthenticated != true)
        {
            throw new FhirProblem(StatusCodes.Status401Unauthorized, Hl7.Fhir.Model.OperationOutcome.IssueType.Login, "send Authorization: Bearer <token>; the token is missing, invalid or expired");
        }

        if (http.User.Role() != Roles.Patient || PatientHttp.Me(http.User) is not { } me)
        {
            throw FhirProblem.Forbidden("only a patient's token (or a share link under /fhir/r4/shared/{token}) reads the FHIR API");
        }

        return await ForPatientAsync(me, baseUrl, cancellationToken);
    }

    public async Task<(FhirReader Reader, AccessEntry Entry)> ForLinkAsync(HttpContext http, string token, string baseUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await consents.FindByTokenAsync(token, cancellationToken) is not { } consent)
        {
            throw FhirProblem.NotFound("no such link");
        }

        var now = clock.GetCurrentInstant();
        var entry = Entry(consent, null, http);
        if (consent.RefusalAt(now) is { } refusal)
        {
            await access.DeniedAsync(entry, refusal, cancellationToken);
            throw FhirProblem.Forbidden("the consent behind this link is not active (" + refusal + ")", refusal);
        }

        var state = await PatientStateAsync(entry.Patient, cancellationToken);
        return (new FhirReader(entry.Patient, state, consent, baseUrl, now), entry);
    }

    public static AccessEntry Entry(ConsentRow consent, DocumentId? document, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(consent);
        return new(new PatientId(consent.PatientId), new Actor(ActorKind.Doctor, new ActorId(consent.ConsentId)), document, LinkPurpose, new ConsentId(consent.ConsentId), AccessChannel.ShareLink, PatientHttp.SourceAddress(http));
    }

    private async Task<PatientState> PatientStateAsync(PatientId patient, CancellationToken cancellationToken)
    {
        var (state, _) = await store.AggregateAsync(Deciders.Patient, patient.Value, cancellationToken: cancellationToken);
        if (state.Erased)
        {
            throw new FhirProblem(StatusCodes.Status410Gone, Hl7.Fhir.Model.OperationOutcome.IssueType.Deleted, "the patient's record was erased");
        }

        return state.Registered ? state : throw FhirProblem.NotFound("no patient record for this token");
    }
}
