using System.Globalization;
using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Deliveries;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Identity;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;

namespace Ledger.Domain;

/// <summary>
/// One event type: its stored name (<c>feature.event.vN</c>, never derived from the C# name), the kind of stream it
/// belongs to, and whether that stream is patient-scoped (the store encrypts its payload under the patient's key).
/// </summary>
public sealed record EventDescriptor(Type ClrType, string StoredName, string StreamKind, bool PatientScoped, string Description)
{
    /// <summary>The version, from the <c>.vN</c> suffix of the stored name.</summary>
    public int Version => int.Parse(StoredName[(StoredName.LastIndexOf(".v", StringComparison.Ordinal) + 2)..], CultureInfo.InvariantCulture);
}

/// <summary>Every event type of the domain, listed explicitly. The store registers them by stored name.</summary>
public static class EventCatalogue
{
    public static IReadOnlyList<EventDescriptor> All { get; } =
    [
        Patient<PatientRegistered>("patients.registered.v1", "A patient opened a cabinet."),
        Patient<PatientContactsChanged>("patients.contacts_changed.v1", "The patient's e-mail and phone were replaced."),
        Patient<PatientOrganizationLinked>("patients.organization_linked.v1", "The cabinet receives results from an organisation."),
        Patient<PatientOrganizationUnlinked>("patients.organization_unlinked.v1", "The cabinet no longer receives results from an organisation."),
        Patient<DeliveryPreferencesSet>("patients.delivery_preferences_set.v1", "Which results the patient is told about, how and how often."),
        Patient<AnalyteThresholdSet>("patients.analyte_threshold_set.v1", "An alert threshold for an analyte was set or replaced."),
        Patient<AnalyteThresholdRemoved>("patients.analyte_threshold_removed.v1", "An analyte's alert threshold was removed."),
        new(typeof(PatientErased), "patients.erased.v1", StreamIds.PatientKind, false, "The patient's data key was destroyed; stored in the clear (ids and time only)."),

        Organization<OrganizationRegistered>("organizations.registered.v1", "An organisation asked to deliver results."),
        Organization<OrganizationConfirmed>("organizations.confirmed.v1", "The registry lists the organisation as registered."),
        Organization<OrganizationRejected>("organizations.rejected.v1", "The registry check failed."),
        Organization<OrganizationSuspended>("organizations.suspended.v1", "The organisation may no longer deliver."),
        Organization<OrganizationDeliveryEnabled>("organizations.delivery_enabled.v1", "Results from the organisation may be delivered."),

        Result<LabResultArrived>("results.lab_result_arrived.v1", "A laboratory report was delivered."),
        Result<InstrumentalStudyArrived>("results.instrumental_study_arrived.v1", "An instrumental study was delivered."),
        Result<VisitProtocolRecorded>("results.visit_protocol_recorded.v1", "The protocol of a doctor's visit was recorded."),
        Result<VaccinationRecorded>("results.vaccination_recorded.v1", "A vaccination was recorded."),
        Result<ResultCorrected>("results.corrected.v1", "The sender replaced the document's content; earlier versions stay readable."),
        Result<ResultStatusChanged>("results.status_changed.v1", "The document's status changed: pending, ready, confirmed (at arrival when released final, by a correction, or on its own)."),
        Result<ResultPatientResolved>("results.patient_resolved.v1", "A result delivered for an identifier digest was matched to a patient."),

        Consent<ConsentGranted>("consents.granted.v1", "A patient let a doctor see (part of) the record for a time."),
        Consent<ConsentRevoked>("consents.revoked.v1", "The patient withdrew a consent."),
        Consent<ConsentExpired>("consents.expired.v1", "A consent ran out."),

        AccessLog<RecordAccessed>("access.record_accessed.v1", "Someone read the patient's record."),
        AccessLog<AccessDenied>("access.access_denied.v1", "Someone was refused access to the patient's record."),
        AccessLog<ExportPerformed>("access.export_performed.v1", "Documents of the patient were exported."),

        MedicalCard<ConditionRecorded>("medicalcard.condition_recorded.v1", "A condition was put on the patient's medical card, by a clinic or by the patient."),
        MedicalCard<ConditionCorrected>("medicalcard.condition_corrected.v1", "The clinic that delivered a condition replaced its content."),
        MedicalCard<AllergyRecorded>("medicalcard.allergy_recorded.v1", "An allergy or intolerance was put on the patient's medical card, by a clinic or by the patient."),
        MedicalCard<AllergyCorrected>("medicalcard.allergy_corrected.v1", "The clinic that delivered an allergy replaced its content."),
        MedicalCard<CardEntryEnteredInError>("medicalcard.entry_entered_in_error.v1", "An entry of the medical card was recorded in error and left the card."),
        Account<AccountOpened>("identity.account_opened.v1", "The patient got an account with a login and a password (hashed)."),
        Account<TotpEnrolmentStarted>("identity.totp_enrolment_started.v1", "An authenticator secret was issued, pending confirmation."),
        Account<TotpEnabled>("identity.totp_enabled.v1", "The authenticator was confirmed by a first code; recovery codes (hashed) were issued."),
        Account<SignInSucceeded>("identity.sign_in_succeeded.v1", "The patient signed in with password and second factor."),
        Account<SignInFailed>("identity.sign_in_failed.v1", "A sign-in step was refused."),
        Account<AccountLocked>("identity.account_locked.v1", "Repeated failures locked the account for a while."),
        Account<SignedOut>("identity.signed_out.v1", "The patient ended a session."),

        DeliveryRefusal<DeliveryRefused>("ingestion.delivery_refused.v1", "A delivery was refused before its content was read; stored in the clear (no content)."),
    ];

    private static readonly Dictionary<string, EventDescriptor> ByName = All.ToDictionary(d => d.StoredName, StringComparer.Ordinal);

    private static readonly Dictionary<Type, EventDescriptor> ByType = All.ToDictionary(d => d.ClrType);

    public static EventDescriptor? FindByStoredName(string storedName) => ByName.GetValueOrDefault(storedName);

    public static EventDescriptor? FindByType(Type clrType) => ByType.GetValueOrDefault(clrType);

    /// <summary>The stored names of these event classes (for a projection's filter), so no name is written twice.</summary>
    public static IReadOnlySet<string> NamesOf(params Type[] clrTypes)
    {
        ArgumentNullException.ThrowIfNull(clrTypes);
        return clrTypes.Select(t => (FindByType(t) ?? throw new ArgumentException($"{t.Name} is not in the event catalogue", nameof(clrTypes))).StoredName)
            .ToHashSet(StringComparer.Ordinal);
    }

    private static EventDescriptor Patient<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.PatientKind, true, description);

    private static EventDescriptor Organization<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.OrganizationKind, false, description);

    private static EventDescriptor Result<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.ResultKind, true, description);

    private static EventDescriptor Consent<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.ConsentKind, true, description);

    private static EventDescriptor AccessLog<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.AccessKind, true, description);

    private static EventDescriptor MedicalCard<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.MedicalCardKind, true, description);

    private static EventDescriptor Account<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.AccountKind, true, description);

    private static EventDescriptor DeliveryRefusal<T>(string name, string description) =>
        new(typeof(T), name, StreamIds.DeliveryRefusalKind, false, description);
}
