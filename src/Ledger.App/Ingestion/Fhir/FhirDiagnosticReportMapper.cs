using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// DiagnosticReport → lab result (laboratory categories) or instrumental study (imaging categories).
/// Categories: HL7 table 0074 codes (system <c>http://terminology.hl7.org/CodeSystem/v2-0074</c>, or the bare
/// code) listed in <see cref="ImagingSections"/> / <see cref="LabSections"/>, LOINC <c>LP29684-5</c> (radiology),
/// or any DICOM coding (<c>http://dicom.nema.org/resources/ontology/DCM</c>) for imaging.
/// </summary>
internal static class FhirDiagnosticReportMapper
{
    public static readonly string[] ImagingSections = ["RAD", "RX", "CT", "NMR", "NMS", "RUS", "VUS", "OUS", "CUS", "EC", "CTH", "IMG"];

    public static readonly string[] LabSections =
        ["LAB", "HM", "CH", "CP", "MB", "MCB", "MYC", "VR", "SR", "SP", "BLB", "HLA", "IMM", "TX", "URN", "OSL", "CG", "PAT", "BG"];

    private const string Dicom = "http://dicom.nema.org/resources/ontology/DCM";

    public enum Kind
    {
        Unknown,
        Lab,
        Imaging,
    }

    public static Kind Classify(DiagnosticReport report)
    {
        var kind = Kind.Unknown;
        foreach (var coding in report.Category.Where(c => c is not null).SelectMany(c => c.Coding).Where(c => c is not null))
        {
            var code = FhirValues.Text(coding.CodeElement);
            var system = FhirValues.Text(coding.SystemElement);
            if (system == Dicom || (code == "LP29684-5" && system == CodeSystems.Loinc) || ImagingSections.Contains(code))
            {
                return Kind.Imaging;
            }

            if (LabSections.Contains(code))
            {
                kind = Kind.Lab;
            }
        }

        return kind;
    }

    public static LabResultDocument Lab(FhirSource source, FhirReferences index, FhirIssues issues, HashSet<Resource> usedObservations)
    {
        var report = (DiagnosticReport)source.Resource;
        var observations = new List<LabObservation>();
        var unresolved = new List<string>();
        for (var i = 0; i < report.Result.Count; i++)
        {
            var result = report.Result[i];
            var resultPath = $"{source.Path}.result[{i}]";
            var reference = FhirValues.Reference(result);
            if (index.Resolve(reference, source) is not { } target)
            {
                if (reference is not null)
                {
                    unresolved.Add(reference);
                }
                else
                {
                    issues.Error("required", resultPath + ".reference", "result needs a reference");
                }

                continue;
            }

            if (target.Resource is not Observation)
            {
                issues.Error("invalid", resultPath, $"{reference} is not an Observation");
                continue;
            }

            usedObservations.Add(target.Resource);
            if (FhirObservationMapper.Map(target, issues) is { } mapped)
            {
                observations.Add(mapped);
            }
        }

        var offset = issues.Options.DefaultOffset;
        var panel = new LabPanel(
            null,
            report.Identifier.Where(i => i is not null).Select(i => FhirValues.Text(i.ValueElement)).OfType<string>().FirstOrDefault(),
            FhirValues.Concept(report.Code, CodeSystems.Loinc),
            Effective(report, offset),
            FhirValues.Moment(report.IssuedElement, offset),
            Status(FhirValues.Required(FhirValues.Code(report.StatusElement), issues, source.Path + ".status")),
            Responsible(report),
            null,
            observations,
            [],
            FhirValues.Text(report.ConclusionElement),
            unresolved)
        {
            Signature = Interpreter(report, offset),
        };

        return new LabResultDocument(
            IngestSource.FhirR4,
            FhirValues.Id(report),
            FhirValues.Reference(report.Subject),
            index.PatientIdentifiers(report.Subject, source),
            [panel],
            []);
    }

    public static InstrumentalStudyDocument Imaging(FhirSource source, FhirReferences index, FhirIssues issues)
    {
        var report = (DiagnosticReport)source.Resource;
        var forms = new List<Parsed.Attachment>();
        for (var i = 0; i < report.PresentedForm.Count; i++)
        {
            var form = report.PresentedForm[i];
            var formPath = $"{source.Path}.presentedForm[{i}]";
            if (form is null)
            {
                continue;
            }

            var data = FhirValues.Text(form.DataElement);
            if (data is null)
            {
                issues.Error("not-supported", formPath + ".data", "presentedForm needs inline base64 data (links are not fetched)");
                continue;
            }

            var buffer = new byte[data.Length];
            if (!Convert.TryFromBase64String(data, buffer, out var written))
            {
                issues.Error("value", formPath + ".data", "is not valid base64");
                continue;
            }

            forms.Add(new Parsed.Attachment(FhirValues.Code(form.ContentTypeElement), buffer[..written], FhirValues.Text(form.TitleElement)));
        }

        var offset = issues.Options.DefaultOffset;
        return new InstrumentalStudyDocument(
            FhirValues.Id(report),
            FhirValues.Reference(report.Subject),
            index.PatientIdentifiers(report.Subject, source),
            FhirValues.Concept(report.Code, CodeSystems.Loinc),
            Status(FhirValues.Required(FhirValues.Code(report.StatusElement), issues, source.Path + ".status")),
            Effective(report, offset),
            FhirValues.Moment(report.IssuedElement, offset),
            FhirValues.Text(report.ConclusionElement),
            forms,
            Responsible(report))
        {
            Signature = Interpreter(report, offset),
        };
    }

    public static ReportStatus Status(string? status) => new(status, status switch
    {
        "final" => ReportStatusKind.Final,
        "preliminary" or "partial" => ReportStatusKind.Preliminary,
        "corrected" or "amended" or "appended" => ReportStatusKind.Corrected,
        _ => ReportStatusKind.Other,
    });

    private static ResponsibleParty? Responsible(DiagnosticReport report) =>
        report.ResultsInterpreter.Concat(report.Performer).Select(FhirValues.Party).FirstOrDefault(p => p is not null);

    /// <summary>
    /// <c>resultsInterpreter</c>: the specialist responsible for the report's conclusions signed it, at <c>issued</c>.
    /// A <c>performer</c> alone (often the laboratory) is not a signature.
    /// </summary>
    private static ResultSignature? Interpreter(DiagnosticReport report, NodaTime.Offset offset) =>
        report.ResultsInterpreter.Select(FhirValues.Party).FirstOrDefault(p => p is not null) is { } interpreter
            ? new ResultSignature(interpreter, FhirValues.Moment(report.IssuedElement, offset))
            : null;

    private static NodaTime.Instant? Effective(DiagnosticReport report, NodaTime.Offset offset) => report.Effective switch
    {
        FhirDateTime dt => FhirValues.Moment(dt, offset),
        Period period => FhirValues.Moment(period.StartElement, offset),
        _ => null,
    };
}
