using Hl7.Fhir.Model;
using Ledger.App.Fhir.Resources;

namespace Ledger.App.Fhir;

/// <summary>The resource types the API serves, in one explicit list: the CapabilityStatement says exactly these.</summary>
public sealed class FhirResourceTypes(
    PatientResource patient,
    ObservationResource observation,
    DiagnosticReportResource diagnosticReport,
    ImmunizationResource immunization,
    DocumentReferenceResource documentReference,
    ConditionResource condition,
    AllergyIntoleranceResource allergyIntolerance,
    ConsentResource consent,
    AuditEventResource auditEvent,
    ProvenanceResource provenance)
{
    public IReadOnlyList<IFhirResourceType> All { get; } = [patient, observation, diagnosticReport, immunization, documentReference, condition, allergyIntolerance, consent, auditEvent, provenance];

    public IFhirResourceType? Find(string name) => All.FirstOrDefault(t => t.Type.ToString() == name);

    /// <summary>The services of the list (each resource type a singleton).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<PatientResource>();
        services.AddSingleton<ObservationResource>();
        services.AddSingleton<DiagnosticReportResource>();
        services.AddSingleton<ImmunizationResource>();
        services.AddSingleton<DocumentReferenceResource>();
        services.AddSingleton<ConditionResource>();
        services.AddSingleton<AllergyIntoleranceResource>();
        services.AddSingleton<ConsentResource>();
        services.AddSingleton<AuditEventResource>();
        services.AddSingleton<ProvenanceResource>();
        services.AddSingleton<FhirResourceTypes>();
    }

    public static string NameOf(IFhirResourceType type) => ModelInfo.ResourceTypeToFhirTypeName((type ?? throw new ArgumentNullException(nameof(type))).Type)!;
}
