using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.AccessJournal;

public sealed class AccessJournalTests
{
    [Fact]
    public async Task The_journal_lists_views_and_refusals_with_actor_consent_channel_and_source()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, patient);
        using var client = host.ClientAs(Roles.Patient, patient);
        var (consent, token) = await ShareLinkTests.GrantAsync(client, new { scope = "documents", documentIds = new[] { document } });

        await client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative));
        await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{document}", UriKind.Relative));
        await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{Guid.NewGuid()}", UriKind.Relative));
        await Seed.CatchUpAsync(host);

        var journal = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/access-journal");
        var items = journal.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(3, items.Count);
        Assert.Equal(["denied", "succeeded", "succeeded"], items.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal("document.not_found", items[0].GetProperty("reasonCode").GetString());
        Assert.Equal("doctor", items[1].GetProperty("actorKind").GetString());
        Assert.Equal("shareLink", items[1].GetProperty("channel").GetString());
        Assert.Equal(consent, items[1].GetProperty("consentId").GetGuid());
        Assert.Equal("view under consent", items[1].GetProperty("purpose").GetString());
        Assert.Equal("patient", items[2].GetProperty("actorKind").GetString());
        Assert.Equal(patient, items[2].GetProperty("actorId").GetGuid());
        Assert.Equal("web", items[2].GetProperty("channel").GetString());
        Assert.Equal("view document", items[2].GetProperty("purpose").GetString());
        Assert.All(items, i => Assert.Equal("127.0.0.1", i.GetProperty("sourceAddress").GetString()));
    }

    [Fact]
    public async Task A_patient_sees_only_the_own_journal()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, patient);
        using var client = host.ClientAs(Roles.Patient, patient);
        using var other = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        await client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative));
        await Seed.CatchUpAsync(host);

        var journal = await other.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/access-journal");

        Assert.Equal(0, journal.GetProperty("items").GetArrayLength());
    }
}
