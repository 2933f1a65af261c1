using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Deliveries;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Identity;
using ActorId = Ledger.Domain.Identifiers.ActorId;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using NodaTime;
using static Ledger.Testing.Samples;

namespace Ledger.Testing;

/// <summary>One deterministic sample per event type, for the approved-file snapshots.</summary>
public static class SampleEvents
{
    public static readonly Guid CardEntry = new("0192f0a4-7c3e-7d10-8a55-5e7c1b2d3e4f");

    public static ConditionDetails CardCondition { get; } = new(
        new CardCode("http://hl7.org/fhir/sid/icd-10", "E11.9", "Сахарный диабет 2 типа"), "Сахарный диабет 2 типа", "active", "confirmed",
        "problem-list-item", new LocalDate(2019, 5, 14), null, "Петрова А. А.", "Петрова А. А.", "Метформин");

    public static AllergyDetails CardAllergy { get; } = new(
        new CardCode("http://snomed.info/sct", "91936005", "Allergy to penicillin"), "Аллергия на пенициллин", "active", "confirmed",
        "allergy", "medication", "high", null, "в детстве", "patient", "patient", "крапивница", null);

    /// <summary>The address and browser of the sample sign-in events (personal data: encrypted at rest).</summary>
    public static SignInClient SignInClientSample { get; } = new("198.51.100.23", "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0");

    public static IReadOnlyDictionary<Type, object> ByType { get; } = new object[]
    {
        new PatientRegistered(Patient, PatientName, BirthDate, Sex.Female, Snils, Enp, Email, Phone),
        new PatientContactsChanged(Patient, Email, null),
        new PatientOrganizationLinked(Patient, Lab),
        new PatientOrganizationUnlinked(Patient, Lab),
        new DeliveryPreferencesSet(
            Patient, [DocumentType.LabReport, DocumentType.InstrumentalStudy], [DeliveryChannel.Email, DeliveryChannel.Push],
            DeliveryFrequency.Daily),
        new AnalyteThresholdSet(Patient, Glucose, MmolPerLitre, 3.9m, 7.0m),
        new AnalyteThresholdRemoved(Patient, Glucose),
        new PatientErased(Patient, Samples.Doctor, Now),

        new OrganizationRegistered(Lab, Inn, Ogrn, OrganizationType.Laboratory, "ООО \"Лаборатория\"", Oid),
        new OrganizationConfirmed(Lab, Oid, "ООО \"Лаборатория\""),
        new OrganizationRejected(Lab, "inn_mismatch", "The registry has ИНН 500100732259, registered 7707083893."),
        new OrganizationSuspended(Lab, "Лицензия приостановлена"),
        new OrganizationDeliveryEnabled(Lab),

        new LabResultArrived(Document, ResolvedPatient, Lab, "MSG-000123", LabReport()),
        new InstrumentalStudyArrived(Document, ResolvedPatient, Clinic, "MSG-000124", Study()),
        new VisitProtocolRecorded(Document, ResolvedPatient, Clinic, "MSG-000125", Visit()),
        new ConditionRecorded(Patient, CardEntry, CardEntrySource.Clinic, Clinic, "fhir:condition-1", CardCondition, Now),
        new ConditionCorrected(Patient, CardEntry, "fhir:condition-1", CardCondition with { ClinicalStatus = "resolved" }, Now),
        new AllergyRecorded(Patient, CardEntry, CardEntrySource.Patient, null, null, CardAllergy, Now),
        new AllergyCorrected(Patient, CardEntry, "fhir:allergy-1", CardAllergy with { Criticality = "low" }, Now),
        new CardEntryEnteredInError(Patient, CardEntry, CardEntrySource.Clinic, "fhir:condition-1", null, Now),
        new VaccinationRecorded(Document, PatientRef.Unresolved(Digest), Clinic, "MSG-000126", Vaccination()),
        new ResultCorrected(Document, ResolvedPatient, Lab, "MSG-000127", LabReport(glucose: 5.6m), "Опечатка в значении глюкозы"),
        new ResultStatusChanged(Document, ResolvedPatient, Lab, ResultStatus.Pending, ResultStatus.Ready),
        new ResultPatientResolved(Document, ResolvedPatient, Lab, Digest),

        new ConsentGranted(
            Samples.Consent, Patient, DoctorName, DoctorSnils, Clinic, ConsentScope.OfTypes(DocumentType.LabReport),
            "Консультация эндокринолога", Now, Now + Duration.FromDays(30), "5b9c3a5e0b7d6f1e2a4c8d0f9e7b6a5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a"),
        new ConsentRevoked(Samples.Consent, Patient, Now + Duration.FromDays(2), "Консультация состоялась"),
        new ConsentExpired(Samples.Consent, Patient, Now + Duration.FromDays(30)),

        new RecordAccessed(
            Patient, new Actor(ActorKind.Doctor, Doctor), Document, "Консультация", Samples.Consent, AccessChannel.ShareLink,
            AccessOutcome.Succeeded, Now),
        new AccessDenied(
            Patient, new Actor(ActorKind.Doctor, Doctor), Document, "Консультация", null, AccessChannel.Web,
            "consent.not_active", Now),
        new ExportPerformed(
            Patient, new Actor(ActorKind.Patient, new ActorId(Patient.Value)), ExportFormat.Fhir,
            [Document, OtherDocument], "Личный архив", null, AccessChannel.Web, Now),

        new AccountOpened(Patient, "maria.ivanova", new PasswordHash("pbkdf2-sha256", 600_000, "c2FsdHNhbHRzYWx0c2FsdA==", "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="), Now),
        new TotpEnrolmentStarted(Patient, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Now),
        new TotpEnabled(Patient, 59_305_000, ["6f1ed002ab5595859014ebf0951522d9", "2c26b46b68ffc68ff99b453c1d304134"], Now),
        new SignInSucceeded(Patient, SignInClientSample, SignInMethod.Totp, 59_305_001, null, Now),
        new SignInFailed(Patient, SignInClientSample, SignInFailure.SecondFactor, Now),
        new AccountLocked(Patient, SignInClientSample, Now + Duration.FromMinutes(15), Now),
        new SignedOut(Patient, SignInClientSample, Now),

        new DeliveryRefused(Lab.Value, "mllp", "source_not_allowed", "192.0.2.10"),
    }.ToDictionary(e => e.GetType());
}
