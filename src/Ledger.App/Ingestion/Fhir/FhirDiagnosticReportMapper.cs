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

    public static Kind Classify(FhirNode report)
    {
        var kind = Kind.Unknown;
        foreach (var category in report.Array("category"))
        {
            foreach (var coding in category.Array("coding"))
            {
                var code = coding.String("code");
                var system = coding.String("system");
                if (system == Dicom || (code == "LP29684-5" && system == CodeSystems.Loinc) || ImagingSections.Contains(code))
                {
                    return Kind.Imaging;
                }

                if (LabSections.Contains(code))
                {
                    kind = Kind.Lab;
                }
            }
        }

        return kind;
    }

    public static LabResultDocument Lab(FhirNode report, FhirResourceIndex index, HashSet<string> usedObservations)
    {
        var observations = new List<LabObservation>();
        var unresolved = new List<string>();
        foreach (var result in report.Array("result"))
        {
            var reference = result.String("reference");
            var target = index.Resolve(reference, report);
            if (target is not { } obs)
            {
                if (reference is not null)
                {
                    unresolved.Add(reference);
                }
                else
                {
                    report.Issues.Error("required", result.Path + ".reference", "result needs a reference");
                }

                continue;
            }

            if (obs.String("resourceType") != "Observation")
            {
                report.Issues.Error("invalid", result.Path, $"{reference} is not an Observation");
                continue;
            }

            usedObservations.Add(obs.Path);
            if (FhirObservationMapper.Map(obs) is { } mapped)
            {
                observations.Add(mapped);
            }
        }

        var panel = new LabPanel(
            null,
            report.Array("identifier").Select(i => i.String("value")).OfType<string>().FirstOrDefault(),
            report.Concept("code", CodeSystems.Loinc),
            Effective(report),
            report.DateTime("issued"),
            Status(report.RequiredString("status")),
            report.Array("resultsInterpreter").Concat(report.Array("performer")).Select(FhirNode.ReadParty).FirstOrDefault(p => p is not null),
            null,
            observations,
            [],
            report.String("conclusion"),
            unresolved)
        {
            Signature = Interpreter(report),
        };

        var subject = report.Object("subject");
        return new LabResultDocument(
            IngestSource.FhirR4,
            report.String("id"),
            subject?.String("reference"),
            index.PatientIdentifiers(subject, report),
            [panel],
            []);
    }

    public static InstrumentalStudyDocument Imaging(FhirNode report, FhirResourceIndex index)
    {
        var forms = new List<Attachment>();
        foreach (var form in report.Array("presentedForm"))
        {
            var data = form.String("data");
            if (data is null)
            {
                form.Issues.Error("not-supported", form.Path + ".data", "presentedForm needs inline base64 data (links are not fetched)");
                continue;
            }

            var buffer = new byte[data.Length];
            if (!Convert.TryFromBase64String(data, buffer, out var written))
            {
                form.Issues.Error("value", form.Path + ".data", "is not valid base64");
                continue;
            }

            forms.Add(new Attachment(form.String("contentType"), buffer[..written], form.String("title")));
        }

        var subject = report.Object("subject");
        return new InstrumentalStudyDocument(
            report.String("id"),
            subject?.String("reference"),
            index.PatientIdentifiers(subject, report),
            report.Concept("code", CodeSystems.Loinc),
            Status(report.RequiredString("status")),
            Effective(report),
            report.DateTime("issued"),
            report.String("conclusion"),
            forms,
            report.Array("resultsInterpreter").Concat(report.Array("performer")).Select(FhirNode.ReadParty).FirstOrDefault(p => p is not null))
        {
            Signature = Interpreter(report),
        };
    }

    /// <summary>
    /// <c>resultsInterpreter</c>: the specialist responsible for the report's conclusions signed it, at <c>issued</c>.
    /// A <c>performer</c> alone (often the laboratory) is not a signature.
    /// </summary>
    private static ResultSignature? Interpreter(FhirNode report) =>
        report.Array("resultsInterpreter").Select(FhirNode.ReadParty).FirstOrDefault(p => p is not null) is { } interpreter
            ? new ResultSignature(interpreter, FhirDateTime.TryParse(report.String("issued") ?? string.Empty, report.Issues.Options.DefaultOffset, out var at) ? at : (NodaTime.Instant?)null)
            : null;

    public static ReportStatus Status(string? status) => new(status, status switch
    {
        "final" => ReportStatusKind.Final,
        "preliminary" or "partial" => ReportStatusKind.Preliminary,
        "corrected" or "amended" or "appended" => ReportStatusKind.Corrected,
        _ => ReportStatusKind.Other,
    });

    private static NodaTime.Instant? Effective(FhirNode report) =>
        report.DateTime("effectiveDateTime") ?? report.Object("effectivePeriod")?.DateTime("start");
}
