using Hl7.Fhir.Model;

namespace Ledger.App.Fhir;

/// <summary>
/// A request the FHIR API refuses: its HTTP status and the OperationOutcome issue that says why (FHIR's issue type,
/// the parameter or element at fault). Thrown by the resource types and answered by <see cref="FhirEndpoints"/>; it
/// never carries medical or personal data.
/// </summary>
public sealed class FhirProblem : Exception
{
    public FhirProblem(int status, OperationOutcome.IssueType type, string message, string? expression = null)
        : base(message)
    {
        Status = status;
        Type = type;
        Expression = expression;
    }

    public FhirProblem()
        : this(StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception, "the request could not be answered")
    {
    }

    public FhirProblem(string message)
        : this(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message)
    {
    }

    public FhirProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Type = OperationOutcome.IssueType.Invalid;
    }

    public int Status { get; }

    public OperationOutcome.IssueType Type { get; }

    /// <summary>The search parameter or path at fault, when one is.</summary>
    public string? Expression { get; }

    public static FhirProblem BadParameter(string parameter, string message) =>
        new(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, $"{parameter}: {message}", parameter);

    public static FhirProblem NotFound(string message) =>
        new(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, message);

    public static FhirProblem Forbidden(string message, string? code = null) =>
        new(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden, message, code);

    /// <summary>The OperationOutcome of one issue (severity error, or information for a 2xx note).</summary>
    public static OperationOutcome Outcome(OperationOutcome.IssueType type, string message, string? expression = null, OperationOutcome.IssueSeverity severity = OperationOutcome.IssueSeverity.Error)
    {
        var issue = new OperationOutcome.IssueComponent { Severity = severity, Code = type, Diagnostics = message };
        if (expression is not null)
        {
            issue.Expression = [expression];
        }

        return new OperationOutcome { Issue = [issue] };
    }

    public OperationOutcome ToOutcome() => Outcome(Type, Message, Expression);
}
