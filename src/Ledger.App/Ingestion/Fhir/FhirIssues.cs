namespace Ledger.App.Ingestion.Fhir;

/// <summary>Collects the issues found while a delivery is parsed and mapped.</summary>
internal sealed class FhirIssues(FhirDeliveryOptions options)
{
    public List<FhirIssue> Items { get; } = [];

    public FhirDeliveryOptions Options { get; } = options;

    public bool HasErrors => Items.Any(i => i.Severity == FhirIssueSeverity.Error);

    public void Error(string code, string expression, string message) =>
        Items.Add(new FhirIssue(FhirIssueSeverity.Error, code, expression, message));

    public void Add(FhirIssue issue) => Items.Add(issue);

    /// <summary>
    /// Every issue once: one place is reported by the first that found something wrong there (Firely's parser before
    /// the mapping that reads the same element); issues about the whole document are kept apart by their message.
    /// </summary>
    public List<FhirIssue> Distinct() => Items.DistinctBy(i => (i.Severity, i.Expression, i.Expression.Length == 0 ? i.Message : "")).ToList();
}
