using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Everything deliverable found in one FHIR document (a Bundle may hold several resources).</summary>
public sealed record FhirIngestResult(
    IReadOnlyList<LabResultDocument> LabResults,
    IReadOnlyList<InstrumentalStudyDocument> InstrumentalStudies,
    IReadOnlyList<VaccinationDocument> Vaccinations,
    IReadOnlyList<VisitProtocolDocument> VisitProtocols)
{
    /// <summary>Conditions for the patient's medical card.</summary>
    public IReadOnlyList<ConditionDocument> Conditions { get; init; } = [];

    /// <summary>Allergies and intolerances for the patient's medical card.</summary>
    public IReadOnlyList<AllergyDocument> Allergies { get; init; } = [];

    /// <summary>The Bundle's <c>identifier</c> as <c>system|value</c>, when the delivery is a Bundle that has one.</summary>
    public string? BundleIdentifier { get; init; }

    /// <summary>Number of documents of all kinds.</summary>
    public int Count => LabResults.Count + InstrumentalStudies.Count + Vaccinations.Count + VisitProtocols.Count + Conditions.Count + Allergies.Count;
}
