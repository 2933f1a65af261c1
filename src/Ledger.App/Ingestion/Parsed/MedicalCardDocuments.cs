using NodaTime;

namespace Ledger.App.Ingestion.Parsed;

/// <summary>A chronic condition or diagnosis for the medical card: FHIR Condition.</summary>
public sealed record ConditionDocument(
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    CodedValue? Code,
    string? Text,
    string? ClinicalStatus,
    string? VerificationStatus,
    string? Category,
    LocalDate? Onset,
    string? OnsetText,
    ResponsibleParty? Recorder,
    ResponsibleParty? Asserter,
    string? Note);

/// <summary>An allergy or intolerance for the medical card: FHIR AllergyIntolerance.</summary>
public sealed record AllergyDocument(
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    CodedValue? Code,
    string? Text,
    string? ClinicalStatus,
    string? VerificationStatus,
    string? Type,
    string? Category,
    string? Criticality,
    LocalDate? Onset,
    string? OnsetText,
    ResponsibleParty? Recorder,
    ResponsibleParty? Asserter,
    string? Reaction,
    string? Note);
