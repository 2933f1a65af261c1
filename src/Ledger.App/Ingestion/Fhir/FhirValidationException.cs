namespace Ledger.App.Ingestion.Fhir;

/// <summary>OperationOutcome issue severity.</summary>
public enum FhirIssueSeverity
{
    /// <summary>The input cannot be processed.</summary>
    Error,

    /// <summary>Processed, but worth telling the sender.</summary>
    Warning,
}

/// <summary>
/// One problem in the input. <see cref="Code"/> is an OperationOutcome issue type (<c>structure</c>,
/// <c>required</c>, <c>value</c>, <c>invalid</c>, <c>not-supported</c>, <c>too-costly</c>, <c>not-found</c>);
/// <see cref="Expression"/> is a FHIRPath-like location using JSON property names, e.g.
/// <c>Bundle.entry[2].resource.valueQuantity.value</c> (empty when the document itself is unreadable).
/// </summary>
public sealed record FhirIssue(FhirIssueSeverity Severity, string Code, string Expression, string Message);

/// <summary>The only exception the FHIR reader throws for bad input; it carries every issue found.</summary>
public sealed class FhirValidationException : Exception
{
    /// <summary>Creates the exception from the issues (at least one).</summary>
    public FhirValidationException(IReadOnlyList<FhirIssue> issues)
        : base(Summary(issues))
    {
        Issues = issues;
    }

    /// <summary>Creates an exception with one generic issue.</summary>
    public FhirValidationException()
        : this([new FhirIssue(FhirIssueSeverity.Error, "invalid", "", "invalid FHIR content")])
    {
    }

    /// <summary>Creates an exception with one issue holding <paramref name="message"/>.</summary>
    public FhirValidationException(string message)
        : this([new FhirIssue(FhirIssueSeverity.Error, "invalid", "", message)])
    {
    }

    /// <summary>Creates an exception with one issue holding <paramref name="message"/>.</summary>
    public FhirValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Issues = [new FhirIssue(FhirIssueSeverity.Error, "invalid", "", message)];
    }

    /// <summary>Every issue found, errors first in document order.</summary>
    public IReadOnlyList<FhirIssue> Issues { get; }

    /// <summary>True when one of the issues is a size or depth limit (HTTP 413).</summary>
    public bool IsLimit => Issues.Any(i => i.Code == "too-costly");

    /// <summary>The OperationOutcome JSON for these issues.</summary>
    public string ToOperationOutcomeJson() => OperationOutcomeWriter.Write(Issues);

    private static string Summary(IReadOnlyList<FhirIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        if (issues.Count == 0)
        {
            return "invalid FHIR content";
        }

        var first = issues[0];
        var where = first.Expression.Length == 0 ? "" : first.Expression + ": ";
        return issues.Count == 1 ? where + first.Message : $"{where}{first.Message} (and {issues.Count - 1} more)";
    }
}
