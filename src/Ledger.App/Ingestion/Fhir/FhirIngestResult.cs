using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Everything deliverable found in one FHIR document (a Bundle may hold several resources).</summary>
public sealed record FhirIngestResult(
    IReadOnlyList<LabResultDocument> LabResults,
    IReadOnlyList<InstrumentalStudyDocument> InstrumentalStudies,
    IReadOnlyList<VaccinationDocument> Vaccinations,
    IReadOnlyList<VisitProtocolDocument> VisitProtocols)
{
    /// <summary>Number of documents of all kinds.</summary>
    public int Count => LabResults.Count + InstrumentalStudies.Count + Vaccinations.Count + VisitProtocols.Count;
}
