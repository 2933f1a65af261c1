using System.Text;
using System.Text.Json;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Renders issues as a FHIR R4 OperationOutcome.</summary>
public static class OperationOutcomeWriter
{
    /// <summary>JSON text of an OperationOutcome with one issue per entry (severity, code, diagnostics, expression).</summary>
    public static string Write(IReadOnlyList<FhirIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("resourceType", "OperationOutcome");
            w.WriteStartArray("issue");
            foreach (var issue in issues)
            {
                w.WriteStartObject();
                w.WriteString("severity", issue.Severity == FhirIssueSeverity.Error ? "error" : "warning");
                w.WriteString("code", issue.Code);
                w.WriteString("diagnostics", issue.Message);
                if (issue.Expression.Length > 0)
                {
                    w.WriteStartArray("expression");
                    w.WriteStringValue(issue.Expression);
                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
