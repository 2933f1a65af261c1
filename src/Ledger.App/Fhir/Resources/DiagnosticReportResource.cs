using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Results;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>DiagnosticReport</c>: a lab report (category LAB, its observations as <c>result</c>) or an instrumental study
/// (category RAD, or EC for an ECG; the conclusion). The id is the document id; the status follows the document's
/// (pending: preliminary; ready, confirmed: final; corrected once a correction arrived). <c>_include=DiagnosticReport:result</c>
/// adds the observations to the Bundle.
/// </summary>
public sealed class DiagnosticReportResource(FhirDocuments documents, ObservationResource observations) : IFhirResourceType
{
    public const string Include = "DiagnosticReport:result";
    private const string ServiceSystem = "http://terminology.hl7.org/CodeSystem/v2-0074";
    private static readonly DocumentType[] Types = [DocumentType.LabReport, DocumentType.InstrumentalStudy];

    public ResourceType Type => ResourceType.DiagnosticReport;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public IReadOnlyList<string> Includes { get; } = [Include];

    public Guid? DocumentOf(string id) => FhirDocuments.DocumentIdOf(id) is { } d && id.Length == 36 ? d : null;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken) =>
        DocumentOf(id) is { } document && await documents.LoadAsync(reader, document, Types, cancellationToken) is { } state
            ? await MapAsync(reader, state, cancellationToken)
            : null;

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(includes);
        var (ids, total) = await documents.ListAsync(reader, Types, search.Count, search.Offset, cancellationToken);
        var matches = new List<Resource>();
        foreach (var id in ids)
        {
            if (await documents.LoadAsync(reader, id, Types, cancellationToken) is { } state)
            {
                matches.Add(await MapAsync(reader, state, cancellationToken));
            }
        }

        var included = includes.Contains(Include) ? await observations.OfDocumentsAsync(reader, ids, cancellationToken) : null;
        return new FhirPage(matches, total, included);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var state in await documents.AllAsync(reader, Types, cancellationToken))
        {
            all.Add(await MapAsync(reader, state, cancellationToken));
        }

        return all;
    }

    public async Task<DiagnosticReport> MapAsync(FhirReader reader, ResultState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var id = state.DocumentId.Value;
        var report = new DiagnosticReport
        {
            Id = id.ToString("D"),
            Meta = new Meta { VersionId = state.Versions.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Status = state.Status == ResultStatus.Pending ? DiagnosticReport.DiagnosticReportStatus.Preliminary
                : state.Versions.Count > 1 ? DiagnosticReport.DiagnosticReportStatus.Corrected
                : DiagnosticReport.DiagnosticReportStatus.Final,
            Subject = FhirDocuments.PatientReference(reader),
            Performer = [await documents.OrganizationAsync(state.Sender.Value, cancellationToken)],
        };
        switch (state.Current)
        {
            case LabReport lab:
                report.Category = [new CodeableConcept(ServiceSystem, "LAB", "Laboratory")];
                var panel = lab.Panels.Count == 1 ? lab.Panels[0] : null;
                report.Code = panel?.Code is { } code
                    ? new CodeableConcept(code.System, code.Code, panel.Name) { Text = panel.Name }
                    : new CodeableConcept(Ledger.Domain.Results.ObservationCode.LoincSystem, "11502-2", "Laboratory report") { Text = string.Join(", ", lab.Panels.Select(p => p.Name)) };
                report.Identifier = [new Identifier { Value = lab.OrderNumber }];
                report.Effective = new FhirDateTime(FhirDocuments.At(lab.CollectedAt));
                report.Issued = FhirDocuments.At(lab.IssuedAt);
                report.Result = [.. Enumerable.Range(1, lab.Panels.Sum(p => p.Observations.Count)).Select(seq => new ResourceReference("Observation/" + ObservationMapper.Id(id, seq)))];
                if (lab.ResponsibleSpecialist is { Length: > 0 } specialist)
                {
                    report.ResultsInterpreter = [new ResourceReference { Display = specialist }];
                }

                report.Conclusion = lab.Comment;
                break;
            case InstrumentalStudy study:
                report.Category = [study.Modality == Modality.ECG ? new CodeableConcept(ServiceSystem, "EC", "Electrocardiac (e.g., EKG)") : new CodeableConcept(ServiceSystem, "RAD", "Radiology")];
                report.Code = new CodeableConcept { Text = $"{study.Modality} {study.BodySite}" };
                report.Effective = new FhirDateTime(FhirDocuments.At(study.PerformedAt));
                report.ResultsInterpreter = [new ResourceReference { Display = study.Specialist }];
                report.Conclusion = string.IsNullOrWhiteSpace(study.Recommendation) ? study.Conclusion : study.Conclusion + "\n" + study.Recommendation;
                break;
        }

        return report;
    }
}
