using Ledger.Domain.Identifiers;

namespace Ledger.Domain.MedicalCard;

/// <summary>A command on a patient's medical card stream.</summary>
public abstract record MedicalCardCommand(PatientId Patient, Guid EntryId);

/// <summary>
/// A clinic delivers a condition (its entry id derives from the sender and the resource id, so a repeat delivery
/// finds the same entry). Content equal to what is there changes nothing; other content is a correction; a
/// <c>verificationStatus</c> of <c>entered-in-error</c> takes the entry off the card.
/// </summary>
public sealed record RecordCondition(PatientId Patient, Guid EntryId, OrganizationId Organization, string DeliveryId, ConditionDetails Condition)
    : MedicalCardCommand(Patient, EntryId);

/// <summary>A clinic delivers an allergy or intolerance (as <see cref="RecordCondition"/>).</summary>
public sealed record RecordAllergy(PatientId Patient, Guid EntryId, OrganizationId Organization, string DeliveryId, AllergyDetails Allergy)
    : MedicalCardCommand(Patient, EntryId);

/// <summary>The patient reports a condition of their own (kept apart from the clinics' entries).</summary>
public sealed record ReportCondition(PatientId Patient, Guid EntryId, ConditionDetails Condition) : MedicalCardCommand(Patient, EntryId);

/// <summary>The patient withdraws an entry they reported themselves.</summary>
public sealed record WithdrawReportedEntry(PatientId Patient, Guid EntryId, string? Reason) : MedicalCardCommand(Patient, EntryId);
