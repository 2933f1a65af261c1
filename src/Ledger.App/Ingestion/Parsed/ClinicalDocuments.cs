using NodaTime;

namespace Ledger.App.Ingestion.Parsed;

/// <summary>An instrumental (imaging) study report: FHIR DiagnosticReport with an imaging category.</summary>
public sealed record InstrumentalStudyDocument(
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    CodedValue? Code,
    ReportStatus Status,
    Instant? EffectiveAt,
    Instant? IssuedAt,
    string? Conclusion,
    IReadOnlyList<Attachment> PresentedForms,
    ResponsibleParty? ResponsibleSpecialist)
{
    /// <summary>FHIR <c>resultsInterpreter</c> (with <c>issued</c>): the specialist who signed the study; null otherwise.</summary>
    public ResultSignature? Signature { get; init; }
}

/// <summary>A vaccination record: FHIR Immunization.</summary>
public sealed record VaccinationDocument(
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    string? Status,
    Instant? OccurredAt,
    string? OccurrenceText,
    CodedValue? VaccineCode,
    string? VaccineText,
    string? LotNumber,
    ResponsibleParty? Manufacturer,
    string? DoseNumber,
    IReadOnlyList<ResponsibleParty> Performers);

/// <summary>A visit protocol (consultation note): FHIR Composition.</summary>
public sealed record VisitProtocolDocument(
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    string? Status,
    CodedValue? Type,
    string? Title,
    Instant? Date,
    IReadOnlyList<ResponsibleParty> Authors,
    IReadOnlyList<VisitProtocolSection> Sections);

/// <summary>One Composition section; <see cref="Text"/> is the narrative XHTML as sent.</summary>
public sealed record VisitProtocolSection(string? Title, CodedValue? Code, string? Text);
