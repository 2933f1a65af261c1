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
/// <see cref="Expression"/> is the FHIRPath of the element, as Firely's parser names it: choice elements without
/// their type suffix, e.g. <c>Bundle.entry[2].resource.value.value</c> for an Observation's
/// <c>valueQuantity.value</c> (empty when the document itself is unreadable). <see cref="Line"/> and
/// <see cref="Column"/> give the place in the delivered text when the parser knows it.
/// </summary>
public sealed record FhirIssue(FhirIssueSeverity Severity, string Code, string Expression, string Message)
{
    /// <summary>The line (from 1) in the delivered text, when known.</summary>
    public long? Line { get; init; }

    /// <summary>The position in that line (from 1), when known.</summary>
    public long? Column { get; init; }
}

/// <summary>The only exception <see cref="FhirDeliveryReader"/> throws for bad input; it carries every issue found.</summary>
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
    public string ToOperationOutcomeJson() => OperationOutcomeWriter.Write(Issues, FhirFormat.Json);

    /// <summary>The OperationOutcome for these issues in <paramref name="format"/>.</summary>
    public string ToOperationOutcome(FhirFormat format) => OperationOutcomeWriter.Write(Issues, format);

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
