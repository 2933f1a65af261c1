using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.App.Http;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Http;

/// <summary>One running ledger with a registered patient, for the error-format tests.</summary>
public sealed class ErrorFormatFixture : IAsyncLifetime
{
    public LedgerHost Host { get; private set; } = null!;

    public HttpClient Patient { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await LedgerHost.StartAsync();
        Patient = Host.ClientAs(Roles.Patient, await Seed.PatientAsync(Host));
        Admin = Host.ClientAs(Roles.Admin, Guid.NewGuid());
    }

    public async Task DisposeAsync()
    {
        Patient.Dispose();
        Admin.Dispose();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// One error format: every 4xx and 5xx is application/problem+json with a ledger type, a title, the status, a detail
/// and the field at fault, including what the framework answers by itself (binding, broken JSON, wrong types, unknown
/// routes, wrong methods, other media types, missing or refused tokens); enumerations are camelCase in and out.
/// (Every response here also passes the OpenAPI check of the host's clients.)
/// </summary>
public sealed class ErrorFormatTests(ErrorFormatFixture fixture) : IClassFixture<ErrorFormatFixture>
{
    [Theory]
    [InlineData("{\"unit\":\"mmol/L\",\"low\":", "urn:ledger:problem:malformed")]
    [InlineData("{\"unit\":\"mmol/L\" \"low\":1}", "urn:ledger:problem:malformed")]
    [InlineData("not json", "urn:ledger:problem:malformed")]
    public async Task A_body_that_is_not_json_is_a_400_malformed(string body, string type)
    {
        var problem = await ProblemAsync(await Put("/api/v1/patients/me/thresholds/2345-7", body), HttpStatusCode.BadRequest, type);

        Assert.Contains("JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/patients/me/thresholds/2345-7", "{\"unit\":\"mmol/L\",\"low\":\"3.9\"}", "low", "a number")]
    [InlineData("/api/v1/patients/me/thresholds/2345-7", "{\"unit\":7}", "unit", "a string")]
    [InlineData("/api/v1/patients/me/delivery-preferences", "{\"resultTypes\":[\"labReport\",\"xray\"],\"channels\":[],\"frequency\":\"daily\"}", "resultTypes[1]", "one of labReport, instrumentalStudy, visitProtocol, vaccination")]
    [InlineData("/api/v1/patients/me/delivery-preferences", "{\"resultTypes\":[],\"channels\":[],\"frequency\":\"Daily\"}", "frequency", "one of immediate, daily, weekly")]
    [InlineData("/api/v1/patients/me/delivery-preferences", "{\"resultTypes\":[],\"channels\":[0],\"frequency\":\"daily\"}", "channels[0]", "one of email, sms, push")]
    [InlineData("/api/v1/patients/me/delivery-preferences", "{\"resultTypes\":\"labReport\",\"channels\":[],\"frequency\":\"daily\"}", "resultTypes", "an array")]
    public async Task A_value_of_the_wrong_type_or_outside_its_enumeration_is_a_400_naming_the_field(string path, string body, string field, string expected)
    {
        var problem = await ProblemAsync(await Put(path, body), HttpStatusCode.BadRequest, ProblemTypes.Validation);

        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal($"{field}: {expected}", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("System.", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_body_is_a_400_naming_the_body()
    {
        var problem = await ProblemAsync(await Put("/api/v1/patients/me/contacts", string.Empty), HttpStatusCode.BadRequest, ProblemTypes.Validation);

        Assert.Equal("body", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task Another_media_type_than_json_is_a_415()
    {
        using var content = new StringContent("{\"unit\":\"mmol/L\"}", Encoding.UTF8, "text/plain");

        var response = await fixture.Patient.PutAsync(new Uri("/api/v1/patients/me/thresholds/2345-7", UriKind.Relative), content);

        await ProblemAsync(response, HttpStatusCode.UnsupportedMediaType, ProblemTypes.Unsupported);
    }

    [Theory]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/api/v1/patients/me/documents/not-a-uuid")]
    [InlineData("/api/v1/patients/me/documents/not-a-uuid/versions")]
    [InlineData("/no-such-page")]
    public async Task An_unknown_route_is_a_404_ledger_problem(string path)
    {
        var problem = await ProblemAsync(await fixture.Patient.GetAsync(new Uri(path, UriKind.Relative)), HttpStatusCode.NotFound, ProblemTypes.NotFound);

        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task A_method_the_route_does_not_answer_is_a_405_naming_the_allowed_ones()
    {
        var response = await fixture.Patient.DeleteAsync(new Uri("/api/v1/patients/me/documents", UriKind.Relative));
        var problem = await ProblemAsync(response, HttpStatusCode.MethodNotAllowed, ProblemTypes.MethodNotAllowed);

        Assert.Contains("GET", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("GET", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task No_token_is_a_401_and_a_role_that_may_not_call_is_a_403()
    {
        await ProblemAsync(await fixture.Host.Http.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative)), HttpStatusCode.Unauthorized, ProblemTypes.Unauthorized);
        await ProblemAsync(await fixture.Admin.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative)), HttpStatusCode.Forbidden, ProblemTypes.Forbidden);
    }

    [Theory]
    [InlineData("type", "xray")]
    [InlineData("type", "LabReport")]
    [InlineData("kind", "blod")]
    [InlineData("status", "final")]
    [InlineData("modality", "xray")]
    public async Task An_unknown_filter_value_is_a_400_naming_the_filter(string filter, string value)
    {
        var response = await fixture.Patient.GetAsync(new Uri($"/api/v1/patients/me/documents?{filter}={value}", UriKind.Relative));
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest, ProblemTypes.Validation);

        Assert.Equal(filter, problem.GetProperty("field").GetString());
        Assert.StartsWith($"{filter}: one of ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("type", "labReport")]
    [InlineData("kind", "blood")]
    [InlineData("status", "ready")]
    [InlineData("modality", "US")]
    [InlineData("modality", "us")]
    public async Task A_known_filter_value_is_accepted(string filter, string value)
    {
        var response = await fixture.Patient.GetAsync(new Uri($"/api/v1/patients/me/documents?{filter}={value}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Enumerations_are_camel_case_in_and_out()
    {
        var preferences = await Put("/api/v1/patients/me/delivery-preferences", "{\"resultTypes\":[\"labReport\",\"instrumentalStudy\"],\"channels\":[\"email\"],\"frequency\":\"daily\"}");
        Assert.Equal(HttpStatusCode.OK, preferences.StatusCode);
        var profile = await fixture.Patient.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/patients/me", UriKind.Relative));
        Assert.Equal("female", profile.GetProperty("sex").GetString());
        Assert.Equal(new[] { "labReport", "instrumentalStudy" }, profile.GetProperty("deliveryPreferences").GetProperty("resultTypes").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal("daily", profile.GetProperty("deliveryPreferences").GetProperty("frequency").GetString());

        var (consent, _) = await ShareLinkTests.GrantAsync(fixture.Patient, new { scope = "documentTypes", documentTypes = new[] { "labReport" } });
        var consents = await fixture.Patient.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/patients/me/consents", UriKind.Relative));
        var view = consents.EnumerateArray().Single(c => c.GetProperty("consentId").GetGuid() == consent);
        Assert.Equal("documentTypes", view.GetProperty("scope").GetString());
        Assert.Equal("active", view.GetProperty("status").GetString());
    }

    private Task<HttpResponseMessage> Put(string path, string json)
    {
        var content = new StringContent(json, Encoding.UTF8, "application/json");
        return fixture.Patient.PutAsync(new Uri(path, UriKind.Relative), content);
    }

    /// <summary>Asserts a ledger problem of that status and type, with a title and a detail, and returns it.</summary>
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(type, problem.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
