using System.Text.Json;
using System.Text.Unicode;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Reads a FHIR R4 JSON document: a Bundle (collection, transaction, batch, message, document) or a single
/// DiagnosticReport, Observation, Immunization or Composition. Every problem found is collected and thrown
/// together as a <see cref="FhirValidationException"/>; no other exception escapes for bad input.
/// </summary>
public static class FhirReader
{
    /// <summary>Resource types that are delivered as documents.</summary>
    public static IReadOnlyList<string> DeliverableTypes { get; } = ["DiagnosticReport", "Observation", "Immunization", "Composition"];

    /// <summary>Resource types accepted inside a Bundle as context for the deliverable ones (not stored by themselves).</summary>
    public static IReadOnlyList<string> SupportingTypes { get; } =
    [
        "Patient", "Practitioner", "PractitionerRole", "Organization", "Location", "Encounter", "ServiceRequest",
        "Specimen", "Device", "MessageHeader", "Provenance", "Media", "ImagingStudy", "Binary", "DocumentReference",
    ];

    /// <summary>Accepted Bundle.type values.</summary>
    public static IReadOnlyList<string> BundleTypes { get; } = ["collection", "transaction", "batch", "message", "document"];

    /// <summary>Reads <paramref name="json"/> (UTF-8, an optional BOM is skipped).</summary>
    public static FhirIngestResult Read(ReadOnlyMemory<byte> json, FhirReaderOptions? options = null)
    {
        options ??= FhirReaderOptions.Default;
        var issues = new FhirIssues(options);
        if (json.Length > options.MaxBytes)
        {
            Throw("too-costly", "", $"document is {json.Length} bytes, more than the limit of {options.MaxBytes}");
        }

        if (json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }

        if (!Utf8.IsValid(json.Span))
        {
            Throw("structure", "", "document is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        }
        catch (JsonException ex)
        {
            var tooDeep = ex.Message.Contains("maximum configured depth", StringComparison.OrdinalIgnoreCase);
            Throw(
                tooDeep ? "too-costly" : "structure",
                "",
                $"invalid JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}: {(tooDeep ? $"nesting deeper than {options.MaxDepth}" : "syntax error")}");
            throw;
        }

        using (document)
        {
            FhirIngestResult result;
            try
            {
                result = ReadRoot(document.RootElement, issues);
            }
            catch (InvalidOperationException)
            {
                // JsonElement.GetString refuses escaped lone surrogates (e.g. "\uD800"), which the JSON grammar allows.
                Throw("value", "", "a string value holds an invalid escaped character (lone UTF-16 surrogate)");
                throw;
            }

            if (issues.HasErrors)
            {
                // A property read twice (e.g. an id of the wrong JSON type) reports once.
                throw new FhirValidationException(issues.Items.Distinct().ToList());
            }

            return result;
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Throw(string code, string expression, string message) =>
        throw new FhirValidationException([new FhirIssue(FhirIssueSeverity.Error, code, expression, message)]);

    private static FhirIngestResult ReadRoot(JsonElement root, FhirIssues issues)
    {
        var empty = new FhirIngestResult([], [], [], []);
        if (root.ValueKind != JsonValueKind.Object)
        {
            issues.Error("structure", "", "a FHIR resource must be a JSON object");
            return empty;
        }

        var probe = new FhirNode(root, "", issues);
        var type = probe.String("resourceType");
        if (type is null)
        {
            issues.Error("required", "resourceType", "resourceType is required");
            return empty;
        }

        var node = new FhirNode(root, type, issues);
        var index = new FhirResourceIndex();
        var deliverable = new List<FhirNode>();
        if (type == "Bundle")
        {
            ReadBundle(node, index, deliverable);
        }
        else if (DeliverableTypes.Contains(type))
        {
            index.Add(node, null);
            deliverable.Add(node);
        }
        else
        {
            issues.Error(
                "not-supported", type,
                $"{type} is not a deliverable resource: send a DiagnosticReport, Observation, Immunization or Composition, alone or in a Bundle");
            return empty;
        }

        return Deliver(deliverable, index, issues);
    }

    private static void ReadBundle(FhirNode bundle, FhirResourceIndex index, List<FhirNode> deliverable)
    {
        var issues = bundle.Issues;
        var bundleType = bundle.RequiredString("type");
        if (bundleType is not null && !BundleTypes.Contains(bundleType))
        {
            issues.Error("not-supported", bundle.Path + ".type", $"Bundle type '{bundleType}' is not accepted (collection, transaction, batch, message, document)");
        }

        var entries = bundle.Array("entry");
        if (entries.Count > issues.Options.MaxEntries)
        {
            issues.Error("too-costly", bundle.Path + ".entry", $"{entries.Count} entries, more than the limit of {issues.Options.MaxEntries}");
            return;
        }

        foreach (var entry in entries)
        {
            var resource = entry.Object("resource");
            if (resource is not { } r)
            {
                issues.Error("required", entry.Path + ".resource", "every entry needs a resource");
                continue;
            }

            var type = r.String("resourceType");
            if (type is null)
            {
                issues.Error("required", r.Path + ".resourceType", "is required");
                continue;
            }

            if (DeliverableTypes.Contains(type))
            {
                deliverable.Add(r);
            }
            else if (!SupportingTypes.Contains(type))
            {
                issues.Error("not-supported", r.Path + ".resourceType", $"resource type {type} is not accepted in a Bundle");
                continue;
            }

            index.Add(r, entry.String("fullUrl"));
        }
    }

    private static FhirIngestResult Deliver(List<FhirNode> deliverable, FhirResourceIndex index, FhirIssues issues)
    {
        var labs = new List<LabResultDocument>();
        var studies = new List<InstrumentalStudyDocument>();
        var vaccinations = new List<VaccinationDocument>();
        var protocols = new List<VisitProtocolDocument>();
        var usedObservations = new HashSet<string>(StringComparer.Ordinal);

        foreach (var r in deliverable.Where(r => r.String("resourceType") == "DiagnosticReport"))
        {
            switch (FhirDiagnosticReportMapper.Classify(r))
            {
                case FhirDiagnosticReportMapper.Kind.Lab:
                    labs.Add(FhirDiagnosticReportMapper.Lab(r, index, usedObservations));
                    break;
                case FhirDiagnosticReportMapper.Kind.Imaging:
                    studies.Add(FhirDiagnosticReportMapper.Imaging(r, index));
                    break;
                default:
                    issues.Error("not-supported", r.Path + ".category", "DiagnosticReport category is neither a laboratory nor an imaging category");
                    break;
            }
        }

        foreach (var r in deliverable)
        {
            switch (r.String("resourceType"))
            {
                case "Observation" when !usedObservations.Contains(r.Path):
                    if (FhirObservationMapper.Map(r) is { } obs)
                    {
                        var subject = r.Object("subject");
                        var panel = new LabPanel(
                            null, null, null, obs.ObservedAt, obs.IssuedAt, FhirDiagnosticReportMapper.Status(obs.ResultStatus),
                            r.Array("performer").Select(FhirNode.ReadParty).FirstOrDefault(p => p is not null),
                            null, [obs], [], null, []);
                        labs.Add(new LabResultDocument(
                            IngestSource.FhirR4, r.String("id"), subject?.String("reference"),
                            index.PatientIdentifiers(subject, r), [panel], []));
                    }

                    break;
                case "Immunization":
                    vaccinations.Add(FhirClinicalMappers.Vaccination(r, index));
                    break;
                case "Composition":
                    protocols.Add(FhirClinicalMappers.VisitProtocol(r, index));
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

        var result = new FhirIngestResult(labs, studies, vaccinations, protocols);
        if (result.Count == 0 && !issues.HasErrors)
        {
            issues.Error("required", "Bundle.entry", "the Bundle holds no deliverable resource (DiagnosticReport, Observation, Immunization, Composition)");
        }

        return result;
    }
}
