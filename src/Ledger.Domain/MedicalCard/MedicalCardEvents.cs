using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.MedicalCard;

/// <summary>Who put an entry on the medical card.</summary>
public enum CardEntrySource
{
    /// <summary>Delivered by a clinic or laboratory (FHIR Condition / AllergyIntolerance).</summary>
    Clinic,

    /// <summary>Reported by the patient in the cabinet.</summary>
    Patient,
}

/// <summary>What an entry is: a condition (diagnosis) or an allergy / intolerance.</summary>
public enum CardEntryKind
{
    Condition,
    Allergy,
}

/// <summary>A code as delivered: its system (SNOMED CT, ICD-10, …; null when only a text was given), code and display.</summary>
public sealed record CardCode(string? System, string? Code, string? Display);

/// <summary>
/// A condition on the medical card (FHIR Condition). Statuses are FHIR codes as delivered (<c>active</c>,
/// <c>resolved</c>…, <c>confirmed</c>, <c>provisional</c>…); <see cref="Onset"/> is the calendar date it began.
/// <see cref="Recorder"/> and <see cref="Asserter"/> are the display (or reference) of who recorded and who asserted it.
/// </summary>
public sealed record ConditionDetails(
    CardCode? Code,
    string? Text,
    string? ClinicalStatus,
    string? VerificationStatus,
    string? Category,
    LocalDate? Onset,
    string? OnsetText,
    string? Recorder,
    string? Asserter,
    string? Note);

/// <summary>
/// An allergy or intolerance on the medical card (FHIR AllergyIntolerance): <see cref="Type"/> <c>allergy</c> or
/// <c>intolerance</c>, <see cref="Category"/> the categories joined by commas (<c>food</c>, <c>medication</c>…),
/// <see cref="Criticality"/> <c>low</c>, <c>high</c> or <c>unable-to-assess</c>, <see cref="Reaction"/> the
/// manifestations joined by "; ".
/// </summary>
public sealed record AllergyDetails(
    CardCode? Code,
    string? Text,
    string? ClinicalStatus,
    string? VerificationStatus,
    string? Type,
    string? Category,
    string? Criticality,
    LocalDate? Onset,
    string? OnsetText,
    string? Recorder,
    string? Asserter,
    string? Reaction,
    string? Note);

/// <summary>An event of a patient's medical card stream (<see cref="MedicalCardState.Evolve"/> folds them).</summary>
public interface IMedicalCardEvent
{
    PatientId Patient { get; }

    Guid EntryId { get; }
}

/// <summary>
/// A condition was put on the card: by a clinic (<paramref name="Organization"/> and <paramref name="DeliveryId"/> set)
/// or by the patient (both null).
/// </summary>
public sealed record ConditionRecorded(
    PatientId Patient, Guid EntryId, CardEntrySource Source, OrganizationId? Organization, string? DeliveryId, ConditionDetails Condition, Instant RecordedAt)
    : IMedicalCardEvent;

/// <summary>The clinic that delivered a condition delivered it again with other content; the new content replaces it.</summary>
public sealed record ConditionCorrected(PatientId Patient, Guid EntryId, string DeliveryId, ConditionDetails Condition, Instant CorrectedAt) : IMedicalCardEvent;

/// <summary>An allergy or intolerance was put on the card (by a clinic, or by the patient).</summary>
public sealed record AllergyRecorded(
    PatientId Patient, Guid EntryId, CardEntrySource Source, OrganizationId? Organization, string? DeliveryId, AllergyDetails Allergy, Instant RecordedAt)
    : IMedicalCardEvent;

/// <summary>The clinic that delivered an allergy delivered it again with other content; the new content replaces it.</summary>
public sealed record AllergyCorrected(PatientId Patient, Guid EntryId, string DeliveryId, AllergyDetails Allergy, Instant CorrectedAt) : IMedicalCardEvent;

/// <summary>
/// An entry was recorded in error (FHIR <c>verificationStatus</c> <c>entered-in-error</c> from its clinic, or the
/// patient withdrawing their own report): it leaves the card, its history stays in the stream.
/// </summary>
public sealed record CardEntryEnteredInError(PatientId Patient, Guid EntryId, CardEntrySource By, string? DeliveryId, string? Reason, Instant At) : IMedicalCardEvent;
