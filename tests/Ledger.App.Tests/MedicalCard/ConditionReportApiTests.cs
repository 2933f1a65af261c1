using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.MedicalCard;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.MedicalCard;

/// <summary>The API's report of a condition, checked and stored by the same service as the cabinet's form.</summary>
public sealed class ConditionReportApiTests
{
    [Fact]
    public async Task A_reported_condition_is_stored_once_per_idempotency_key_as_patient_reported()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "report-1");
        var body = new { text = "Гипертоническая болезнь", clinicalStatus = "active", onset = "2024-09-01" };

        var first = await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", body);
        var second = await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var entry = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entryId").GetGuid();
        Assert.Equal(entry, (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("entryId").GetGuid());
        await Seed.CatchUpAsync(host);
        var card = await host.Services.GetRequiredService<MedicalCardQueries>().GetAsync(patient);
        var stored = Assert.Single(card.Conditions);
        Assert.Equal((entry, "patient", "unconfirmed"), (stored.EntryId, stored.Source, stored.VerificationStatus));
    }

    [Theory]
    [InlineData("{}", "text")]
    [InlineData("{\"code\":\"I10\"}", "codeSystem")]
    [InlineData("{\"text\":\"Гастрит\",\"clinicalStatus\":\"maybe\"}", "clinicalStatus")]
    [InlineData("{\"text\":\"Гастрит\",\"onset\":\"01.09.2024\"}", "onset")]
    public async Task A_report_that_breaks_a_rule_is_refused_with_its_field_and_stores_nothing(string json, string field)
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");

        var refused = await client.PostAsync(new Uri("/api/v1/patients/me/medical-card/conditions", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        await Seed.CatchUpAsync(host);
        Assert.Empty((await host.Services.GetRequiredService<MedicalCardQueries>().GetAsync(patient)).Conditions);
    }
}
