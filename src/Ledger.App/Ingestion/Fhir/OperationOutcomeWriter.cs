using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Utility;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Renders issues as a FHIR R4 OperationOutcome with Firely's serializers, in JSON or XML: one issue per entry
/// (severity, code, diagnostics, expression), and the line and column in the delivered text, when known, as the
/// standard extensions <c>operationoutcome-issue-line</c> and <c>operationoutcome-issue-col</c>.
/// </summary>
public static class OperationOutcomeWriter
{
    public const string LineExtension = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line";
    public const string ColumnExtension = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col";

    private static readonly FhirJsonDeserializer Reader = new(new DeserializerSettings());

    /// <summary>The OperationOutcome text for <paramref name="issues"/> in <paramref name="format"/>.</summary>
    public static string Write(IReadOnlyList<FhirIssue> issues, FhirFormat format = FhirFormat.Json)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var outcome = new OperationOutcome();
        foreach (var issue in issues)
        {
            var component = new OperationOutcome.IssueComponent
            {
                Severity = issue.Severity == FhirIssueSeverity.Error ? OperationOutcome.IssueSeverity.Error : OperationOutcome.IssueSeverity.Warning,
                Code = EnumUtility.ParseLiteral<OperationOutcome.IssueType>(issue.Code) ?? OperationOutcome.IssueType.Invalid,
                Diagnostics = issue.Message,
            };
            if (issue.Expression.Length > 0)
            {
                component.Expression = [issue.Expression];
            }

            if (issue.Line is { } line && line <= int.MaxValue)
            {
                component.Extension.Add(new Extension(LineExtension, new Integer((int)line)));
            }

            if (issue.Column is { } column && column <= int.MaxValue)
            {
                component.Extension.Add(new Extension(ColumnExtension, new Integer((int)column)));
            }

            outcome.Issue.Add(component);
        }

        return Serialize(outcome, format);
    }

    /// <summary>An OperationOutcome with one issue of severity <c>information</c> (code <c>informational</c>).</summary>
    public static string Information(string message, FhirFormat format = FhirFormat.Json)
    {
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Information,
            Code = OperationOutcome.IssueType.Informational,
            Diagnostics = message,
        });
        return Serialize(outcome, format);
    }

    /// <summary>An OperationOutcome written by this class in JSON, rendered again in <paramref name="format"/>.</summary>
    public static string Convert(string json, FhirFormat format) =>
        format == FhirFormat.Json ? json : Serialize(Reader.Deserialize<OperationOutcome>(json), format);

    private static string Serialize(OperationOutcome outcome, FhirFormat format) =>
        format == FhirFormat.Xml ? outcome.ToXml() : outcome.ToJson();
}
