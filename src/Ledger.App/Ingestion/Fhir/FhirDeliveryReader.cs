using System.Text.Unicode;
using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Reads a FHIR R4 delivery, JSON or XML, with the Firely SDK (<see cref="FhirParsing"/>): a Bundle (collection,
/// transaction, batch, message, document) or a single DiagnosticReport, Observation, Immunization, Composition,
/// Condition or AllergyIntolerance, and maps it onto the ledger's documents. Every problem found is collected and
/// thrown together as a <see cref="FhirValidationException"/>; no other exception escapes for bad input.
/// </summary>
public static class FhirDeliveryReader
{
    /// <summary>Resource types that are delivered as documents or medical card entries.</summary>
    public static IReadOnlyList<string> DeliverableTypes { get; } =
        ["DiagnosticReport", "Observation", "Immunization", "Composition", "Condition", "AllergyIntolerance"];

    /// <summary>Resource types accepted inside a Bundle as context for the deliverable ones (not stored by themselves).</summary>
    public static IReadOnlyList<string> SupportingTypes { get; } =
    [
        "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Encounter", "ServiceRequest",
        "Specimen", "Device", "MessageHeader", "Provenance", "Media", "ImagingStudy", "Binary", "DocumentReference",
    ];

    /// <summary>Accepted Bundle.type values.</summary>
    public static IReadOnlyList<string> BundleTypes { get; } = ["collection", "transaction", "batch", "message", "document"];

    private const string DeliverableList = "a DiagnosticReport, Observation, Immunization, Composition, Condition or AllergyIntolerance";

    /// <summary>Reads <paramref name="body"/> in <paramref name="format"/> (JSON: UTF-8, an optional BOM is skipped).</summary>
    public static FhirIngestResult Read(ReadOnlyMemory<byte> body, FhirFormat format = FhirFormat.Json, FhirDeliveryOptions? options = null)
    {
        options ??= FhirDeliveryOptions.Default;
        if (body.Length > options.MaxBytes)
        {
            Throw("too-costly", "", $"document is {body.Length} bytes, more than the limit of {options.MaxBytes}");
        }

        if (format == FhirFormat.Json)
        {
            if (body.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                body = body[3..];
            }

            if (!Utf8.IsValid(body.Span))
            {
                Throw("structure", "", "document is not valid UTF-8");
            }
        }

        var issues = new FhirIssues(options);
        var resource = FhirParsing.Parse(body, format, issues);
        var result = resource is null ? null : ReadRoot(resource, issues);
        if (issues.HasErrors || result is null)
        {
            throw new FhirValidationException(issues.Distinct());
        }

        return result;
    }

    /// <summary>
    /// Loads Firely's model of R4 (its first use inspects every POCO type, seconds on a busy machine) by reading a
    /// small Observation; the server does it in the background at start, so that the first delivery is not slow.
    /// </summary>
    public static void WarmUp() =>
        Read("""{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"15074-8"}]},"valueQuantity":{"value":1}}"""u8.ToArray());

    /// <summary>Reads a JSON delivery with <paramref name="options"/>.</summary>
    public static FhirIngestResult Read(ReadOnlyMemory<byte> body, FhirDeliveryOptions? options) => Read(body, FhirFormat.Json, options);

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string code, string expression, string message) =>
        throw new FhirValidationException([new FhirIssue(FhirIssueSeverity.Error, code, expression, message)]);

    private static bool Unnamed(Resource resource) => resource.TypeName.StartsWith("UnnamedResource", StringComparison.Ordinal);

    private static FhirIngestResult? ReadRoot(Resource root, FhirIssues issues)
    {
        if (Unnamed(root))
        {
            // Nothing else can be said about a document that does not say what it is.
            issues.Items.Clear();
            issues.Error("required", "resourceType", "resourceType is required");
            return null;
        }

        var type = root.TypeName;
        var index = new FhirReferences();
        var deliverable = new List<FhirSource>();
        string? bundleIdentifier = null;
        if (root is Bundle bundle)
        {
            ReadBundle(bundle, index, deliverable, issues);
            if (FhirValues.Text(bundle.Identifier?.ValueElement) is { } value)
            {
                bundleIdentifier = $"{FhirValues.Text(bundle.Identifier!.SystemElement)}|{value}";
            }
        }
        else if (DeliverableTypes.Contains(type))
        {
            var source = new FhirSource(root, type);
            index.Add(source, null);
            deliverable.Add(source);
        }
        else
        {
            issues.Items.Clear();
            issues.Error("not-supported", type, $"{type} is not a deliverable resource: send {DeliverableList}, alone or in a Bundle");
            return null;
        }

        return Deliver(deliverable, index, issues) with { BundleIdentifier = bundleIdentifier };
    }

    private static void ReadBundle(Bundle bundle, FhirReferences index, List<FhirSource> deliverable, FhirIssues issues)
    {
        var bundleType = FhirValues.Required(FhirValues.Code(bundle.TypeElement), issues, "Bundle.type");
        if (bundleType is not null && !BundleTypes.Contains(bundleType))
        {
            issues.Error("not-supported", "Bundle.type", $"Bundle type '{bundleType}' is not accepted (collection, transaction, batch, message, document)");
        }

        var entries = bundle.Entry;
        if (entries.Count > issues.Options.MaxEntries)
        {
            issues.Error("too-costly", "Bundle.entry", $"{entries.Count} entries, more than the limit of {issues.Options.MaxEntries}");
            return;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var path = $"Bundle.entry[{i}]";
            if (entries[i]?.Resource is not { } resource)
            {
                issues.Error("required", path + ".resource", "every entry needs a resource");
                continue;
            }

            path += ".resource";
            if (Unnamed(resource))
            {
                issues.Error("required", path + ".resourceType", "is required");
                continue;
            }

            var type = resource.TypeName;
            var source = new FhirSource(resource, path);
            if (DeliverableTypes.Contains(type))
            {
                deliverable.Add(source);
            }
            else if (!SupportingTypes.Contains(type))
            {
                issues.Error("not-supported", path + ".resourceType", $"resource type {type} is not accepted in a Bundle");
                continue;
            }

            index.Add(source, FhirValues.Text(entries[i].FullUrlElement));
        }
    }

    /// <summary>
    /// Maps one resource. An element the parser could not fit into its POCO (reported already) can make Firely's
    /// getters throw; the resource is then left, and the parser's issues say why (or, should there be none, one
    /// issue names the resource).
    /// </summary>
    private static void Guard(FhirSource source, FhirIssues issues, Action map)
    {
        try
        {
            map();
        }
        catch (Exception e) when (e is Hl7.Fhir.Utility.CodedException or InvalidCastException or FormatException or ArgumentException or InvalidOperationException)
        {
            if (!issues.Items.Any(i => i.Expression.StartsWith(source.Path, StringComparison.Ordinal)))
            {
                issues.Error("structure", source.Path, "an element does not have the shape FHIR R4 gives it");
            }
        }
    }

    private static FhirIngestResult Deliver(List<FhirSource> deliverable, FhirReferences index, FhirIssues issues)
    {
        var labs = new List<LabResultDocument>();
        var studies = new List<InstrumentalStudyDocument>();
        var vaccinations = new List<VaccinationDocument>();
        var protocols = new List<VisitProtocolDocument>();
        var conditions = new List<ConditionDocument>();
        var allergies = new List<AllergyDocument>();
        var usedObservations = new HashSet<Resource>(ReferenceEqualityComparer.Instance);

        foreach (var r in deliverable.Where(r => r.Resource is DiagnosticReport))
        {
            Guard(r, issues, () => DiagnosticReport(r));
        }

        foreach (var r in deliverable)
        {
            Guard(r, issues, () => Other(r));
        }

        void DiagnosticReport(FhirSource r)
        {
            switch (FhirDiagnosticReportMapper.Classify((DiagnosticReport)r.Resource))
            {
                case FhirDiagnosticReportMapper.Kind.Lab:
                    labs.Add(FhirDiagnosticReportMapper.Lab(r, index, issues, usedObservations));
                    break;
                case FhirDiagnosticReportMapper.Kind.Imaging:
                    studies.Add(FhirDiagnosticReportMapper.Imaging(r, index, issues));
                    break;
                default:
                    issues.Error("not-supported", r.Path + ".category", "DiagnosticReport category is neither a laboratory nor an imaging category");
                    break;
            }
        }

        void Other(FhirSource r)
        {
            switch (r.Resource)
            {
                case Observation o when !usedObservations.Contains(o):
                    if (FhirObservationMapper.Map(r, issues) is { } obs)
                    {
                        var panel = new LabPanel(
                            null, null, null, obs.ObservedAt, obs.IssuedAt, FhirDiagnosticReportMapper.Status(obs.ResultStatus),
                            o.Performer.Select(FhirValues.Party).FirstOrDefault(p => p is not null),
                            null, [obs], [], null, []);
                        labs.Add(new LabResultDocument(
                            IngestSource.FhirR4, FhirValues.Id(o), FhirValues.Reference(o.Subject),
                            index.PatientIdentifiers(o.Subject, r), [panel], []));
                    }

                    break;
                case Immunization:
                    vaccinations.Add(FhirClinicalMappers.Vaccination(r, index, issues));
                    break;
                case Composition:
                    protocols.Add(FhirClinicalMappers.VisitProtocol(r, index, issues));
                    break;
                case Condition:
                    conditions.Add(FhirMedicalCardMappers.Condition(r, index, issues));
                    break;
                case AllergyIntolerance:
                    allergies.Add(FhirMedicalCardMappers.Allergy(r, index, issues));
                    break;
                default:
                    break;
            }
        }

        var observationCount = labs.Sum(l => l.Panels.Sum(p => p.Observations.Count));
        if (observationCount > issues.Options.MaxObservations)
        {
            issues.Error("too-costly", "", $"{observationCount} observations, more than the limit of {issues.Options.MaxObservations}");
        }

        var result = new FhirIngestResult(labs, studies, vaccinations, protocols) { Conditions = conditions, Allergies = allergies };
        if (result.Count == 0 && !issues.HasErrors)
        {
            issues.Error("required", "Bundle.entry", $"the Bundle holds no deliverable resource ({DeliverableList[2..]})");
        }

        return result;
    }
}
