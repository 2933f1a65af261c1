using Firely.Fhir.Validation;
using Hl7.Fhir.Model;
using Hl7.Fhir.Specification.Source;
using Hl7.Fhir.Specification.Terminology;

namespace Ledger.App.Tests.Fhir;

/// <summary>
/// The Firely validator with the R4 specification package (Hl7.Fhir.Specification.Data.R4's specification.zip), loaded
/// once per test run: the profiles, value sets and code systems of the core specification, no external terminology server.
/// </summary>
internal static class FhirValidation
{
    private static readonly Lazy<Validator> Instance = new(() =>
    {
        var resolver = new CachedResolver(ZipSource.CreateValidationSource());
        return new Validator(resolver, new LocalTerminologyService(resolver));
    });

    /// <summary>The errors (and fatal issues) the validator finds, one line each; empty when the resource is valid.</summary>
    public static IReadOnlyList<string> Errors(Resource resource)
    {
        var outcome = Instance.Value.Validate(resource);
        return [.. outcome.Issue
            .Where(i => i.Severity is OperationOutcome.IssueSeverity.Error or OperationOutcome.IssueSeverity.Fatal)
            .Select(i => $"{resource.TypeName}/{resource.Id}: {i.Details?.Text ?? i.Diagnostics} at {string.Join(", ", i.Expression ?? [])}")];
    }

    public static void AssertValid(Resource resource)
    {
        var errors = Errors(resource);
        Xunit.Assert.True(errors.Count == 0, string.Join("\n", errors));
    }
}
