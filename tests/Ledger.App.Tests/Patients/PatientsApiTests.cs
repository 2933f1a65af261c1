using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Patients;

public sealed class PatientsApiTests
{
    [Fact]
    public async Task A_registered_patient_reads_the_own_profile_with_its_version()
    {
        await using var host = await LedgerHost.StartAsync();
        using var support = host.ClientAs(Roles.Support, Guid.NewGuid());
        var snils = Seed.NewSnils();

        var created = await support.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("\"1\"", created.Headers.ETag?.Tag);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid();

        using var patient = host.ClientAs(Roles.Patient, id);
        var profile = await patient.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative));
        var body = await profile.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal("\"1\"", profile.Headers.ETag?.Tag);
        Assert.Equal("Иванова", body.GetProperty("name").GetProperty("surname").GetString());
        Assert.Equal("1980-05-17", body.GetProperty("birthDate").GetString());
        Assert.Equal(snils[9..], body.GetProperty("snils").GetString()![^2..]);
    }

    [Fact]
    public async Task A_repeated_registration_with_the_same_idempotency_key_returns_the_same_patient()
    {
        await using var host = await LedgerHost.StartAsync();
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());
        admin.DefaultRequestHeaders.Add("Idempotency-Key", "portal-request-42");
        var body = Seed.RegisterBody();

        var first = await admin.PostAsJsonAsync("/api/v1/patients", body);
        var second = await admin.PostAsJsonAsync("/api/v1/patients", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(
            (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid(),
            (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid());
    }

    [Theory]
    [InlineData("snils", "112-233-445 96")]
    [InlineData("birthDate", "2999-01-01")]
    [InlineData("email", "no-at-sign")]
    [InlineData("phone", "12")]
    [InlineData("sex", "robot")]
    [InlineData("sex", "male, female")]
    [InlineData("enp", "123")]
    [InlineData("surname", "")]
    public async Task An_invalid_field_is_a_400_naming_it(string field, string value)
    {
        await using var host = await LedgerHost.StartAsync();
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());
        var body = JsonSerializer.SerializeToNode(Seed.RegisterBody())!.AsObject();
        body[field] = value;

        var response = await admin.PostAsJsonAsync("/api/v1/patients", body);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Theory]
    [InlineData(Roles.Patient)]
    [InlineData(Roles.Doctor)]
    [InlineData(Roles.Auditor)]
    [InlineData(Roles.Organization)]
    public async Task Only_admin_or_support_register_patients(string role)
    {
        await using var host = await LedgerHost.StartAsync();
        using var client = host.ClientAs(role, Guid.NewGuid());

        var response = await client.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody());

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_second_cabinet_with_the_same_snils_is_refused()
    {
        await using var host = await LedgerHost.StartAsync();
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());
        var snils = Seed.NewSnils();

        await admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));
        var second = await admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.StatusCode);
        Assert.Equal("patient.snils_taken", (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Thresholds_and_preferences_move_the_etag_and_a_stale_if_match_is_a_412()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);

        using var set = new HttpRequestMessage(HttpMethod.Put, "/api/v1/patients/me/thresholds/2345-7") { Content = JsonContent.Create(new { unit = "mmol/L", low = 3.5m, high = 6.5m }) };
        set.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        var setResponse = await patient.SendAsync(set);
        Assert.Equal(HttpStatusCode.OK, setResponse.StatusCode);
        Assert.Equal("\"2\"", setResponse.Headers.ETag?.Tag);

        using var stale = new HttpRequestMessage(HttpMethod.Put, "/api/v1/patients/me/delivery-preferences")
        {
            Content = JsonContent.Create(new { resultTypes = new[] { "labReport" }, channels = new[] { "email" }, frequency = "daily" }),
        };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        var staleResponse = await patient.SendAsync(stale);
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleResponse.StatusCode);
        Assert.Equal("urn:ledger:problem:stale-version", (await staleResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());

        var preferences = await patient.PutAsJsonAsync("/api/v1/patients/me/delivery-preferences", new { resultTypes = new[] { "labReport" }, channels = new[] { "email" }, frequency = "daily" });
        Assert.Equal("\"3\"", preferences.Headers.ETag?.Tag);

        var removed = await patient.DeleteAsync(new Uri("/api/v1/patients/me/thresholds/2345-7", UriKind.Relative));
        Assert.Equal("\"4\"", removed.Headers.ETag?.Tag);
        var profile = await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me");
        Assert.Equal(0, profile.GetProperty("thresholds").GetArrayLength());
        Assert.Equal("daily", profile.GetProperty("deliveryPreferences").GetProperty("frequency").GetString());

        var notSet = await patient.DeleteAsync(new Uri("/api/v1/patients/me/thresholds/2345-7", UriKind.Relative));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notSet.StatusCode);
        var badCode = await patient.PutAsJsonAsync("/api/v1/patients/me/thresholds/2345-8", new { unit = "mmol/L", low = 1m });
        Assert.Equal("loinc", (await badCode.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }
}
