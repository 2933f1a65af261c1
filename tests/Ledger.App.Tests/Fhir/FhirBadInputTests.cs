using System.Net;
using System.Text.Json;
using Xunit;

namespace Ledger.App.Tests.Fhir;

/// <summary>Bad input answers an OperationOutcome naming what is wrong, never a 5xx.</summary>
public sealed class FhirBadInputTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    [Theory]
    [InlineData("Observation?colour=red", 400, "invalid", "colour")]
    [InlineData("Observation?_count=100000", 400, "invalid", "_count")]
    [InlineData("Observation?_count=0", 400, "invalid", "_count")]
    [InlineData("Observation?_count=abc", 400, "invalid", "_count")]
    [InlineData("Observation?_offset=-1", 400, "invalid", "_offset")]
    [InlineData("Observation?date=yesterday", 400, "invalid", "date")]
    [InlineData("Observation?date=ap2026-01-01", 400, "invalid", "date")]
    [InlineData("Observation?date=2026-13-01", 400, "invalid", "date")]
    [InlineData("Observation?code=", 400, "invalid", "code")]
    [InlineData("DiagnosticReport?_include=Observation:subject", 400, "invalid", "_include")]
    [InlineData("Immunization?code=x", 400, "invalid", "code")]
    [InlineData("Observation/not%20an%20id!", 400, "invalid", "id")]
    [InlineData("Observation/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 400, "invalid", "id")]
    [InlineData("Observation/12345", 404, "not-found", null)]
    [InlineData("Observation/00000000-0000-0000-0000-000000000000-1", 404, "not-found", null)]
    [InlineData("Patient/x?_elements=name", 400, "invalid", "_elements")]
    [InlineData("MedicationStatement", 404, "not-supported", null)]
    [InlineData("Encounter/x", 404, "not-supported", null)]
    [InlineData("Condition?code=E11.9", 400, "invalid", "code")]
    [InlineData("Condition?clinical-status=", 400, "invalid", "clinical-status")]
    [InlineData("AllergyIntolerance?_count=201", 400, "invalid", "_count")]
    [InlineData("AllergyIntolerance/x", 404, "not-found", null)]
    [InlineData("Condition/00000000-0000-0000-0000-000000000000", 404, "not-found", null)]
    [InlineData("Condition/x/_history", 404, "not-supported", null)]
    [InlineData("Immunization/x/_history", 404, "not-supported", null)]
    [InlineData("Observation/x/y/z/w", 404, "not-found", null)]
    [InlineData("Observation?_format=turtle", 400, "invalid", "_format")]
    public async Task Bad_input_is_an_operation_outcome(string path, int status, string code, string? expression)
    {
        using var http = fixture.Host.ClientAs(Ledger.App.Security.Roles.Patient, fixture.Patient);

        using var response = await http.GetAsync(new Uri("/fhir/r4/" + path, UriKind.Relative));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        var issue = outcome.GetProperty("issue")[0];
        Assert.Equal(("error", code), (issue.GetProperty("severity").GetString(), issue.GetProperty("code").GetString()));
        if (expression is not null)
        {
            Assert.Equal(expression, issue.GetProperty("expression")[0].GetString());
        }
    }

    [Fact]
    public async Task A_write_is_refused_with_405_and_an_outcome()
    {
        using var http = fixture.Host.ClientAs(Ledger.App.Security.Roles.Patient, fixture.Patient);
        using var body = new StringContent("""{"resourceType":"Observation"}""", System.Text.Encoding.UTF8, "application/fhir+json");

        using var response = await http.PostAsync(new Uri("/fhir/r4/Observation", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET", response.Content.Headers.Allow.Single());
        Assert.Equal("not-supported", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_accept_naming_no_fhir_format_is_406()
    {
        using var http = fixture.Host.ClientAs(Ledger.App.Security.Roles.Patient, fixture.Patient);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/fhir/r4/metadata", UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
    }
}
