using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Ingestion;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Organizations;
using Ledger.EventStore;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Http;

/// <summary>One consent, versions and 304s, totals, organisation names, the trend list, date ranges, absolute share links.</summary>
public sealed class ResourceShapeTests
{
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.RelativeOrAbsolute));
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Parse(ifNoneMatch));
        }

        return await client.SendAsync(request);
    }

    private static Task RegisterLabAsync(LedgerHost host, string name) =>
        Seed.Executor(host).ExecuteAsync(
            Deciders.Organization,
            Seed.Lab.Value,
            new RegisterOrganization(Seed.Lab, Inn.Parse(DeliveryHost.ValidInn(770700123)), Ogrn.Parse(DeliveryHost.ValidOgrn(102770000123)), OrganizationType.Laboratory, name, "1.2.643.5.1.13.13.12.2.77.123"),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty));

    [Fact]
    public async Task The_location_of_a_granted_consent_answers_with_its_etag_and_a_304_for_a_current_copy()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        using var other = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        var granted = await patient.PostAsJsonAsync("/api/v1/patients/me/consents", new
        {
            doctorSurname = "Петров", doctorGivenName = "Алексей", doctorSnils = Seed.NewSnils(), purpose = "консультация", validUntil = "2026-03-09T09:00:00Z",
        });
        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        var body = await granted.Content.ReadFromJsonAsync<JsonElement>();

        var one = await GetAsync(patient, granted.Headers.Location!.ToString());
        var again = await GetAsync(patient, granted.Headers.Location!.ToString(), "\"1\"");
        var stale = await GetAsync(patient, granted.Headers.Location!.ToString(), "\"7\"");
        var notMine = await GetAsync(other, granted.Headers.Location!.ToString());

        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.Equal("\"1\"", one.Headers.ETag?.Tag);
        var view = await one.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(body.GetProperty("consentId").GetGuid(), view.GetProperty("consentId").GetGuid());
        Assert.Equal("active", view.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotModified, again.StatusCode);
        Assert.Equal("\"1\"", again.Headers.ETag?.Tag);
        Assert.Empty(await again.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, notMine.StatusCode);

        // The share link is absolute, from the request's own address when no public address is configured, and it works.
        var shareUrl = body.GetProperty("shareUrl").GetString()!;
        Assert.StartsWith(host.Address.GetLeftPart(UriPartial.Authority) + "/api/v1/shared/", shareUrl, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync(new Uri(shareUrl))).StatusCode);
    }

    [Fact]
    public async Task A_configured_public_address_makes_the_share_links()
    {
        await using var host = await LedgerHost.StartAsync(b => b.Configuration["Ledger:Http:PublicBaseUrl"] = "https://ledger.example/records/");
        using var patient = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));

        var granted = await patient.PostAsJsonAsync("/api/v1/patients/me/consents", new
        {
            doctorSurname = "Петров", doctorGivenName = "Алексей", doctorSnils = Seed.NewSnils(), purpose = "консультация", validUntil = "2026-03-09T09:00:00Z",
        });

        var body = await granted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"https://ledger.example/records/api/v1/shared/{body.GetProperty("shareToken").GetString()}/documents", body.GetProperty("shareUrl").GetString());
    }

    [Fact]
    public async Task A_document_carries_its_organisation_and_its_etag_and_a_304_read_is_still_recorded()
    {
        await using var host = await LedgerHost.StartAsync();
        await RegisterLabAsync(host, "ООО «Лаборатория на Садовой»");
        var id = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        await Seed.CatchUpAsync(host);

        var list = await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");
        var detail = await GetAsync(patient, $"/api/v1/patients/me/documents/{document}");
        var cached = await GetAsync(patient, $"/api/v1/patients/me/documents/{document}", detail.Headers.ETag!.Tag);
        var versions = await GetAsync(patient, $"/api/v1/patients/me/documents/{document}/versions", detail.Headers.ETag!.Tag);
        var (_, token) = await ShareLinkTests.GrantAsync(patient);
        var shared = await GetAsync(host.Http, $"/api/v1/shared/{token}/documents/{document}");
        var sharedList = await host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/shared/{token}/documents");

        Assert.Equal("ООО «Лаборатория на Садовой»", list.GetProperty("items")[0].GetProperty("organizationName").GetString());
        Assert.Equal("ООО «Лаборатория на Садовой»", sharedList.GetProperty("items")[0].GetProperty("organizationName").GetString());
        Assert.Equal("\"1\"", detail.Headers.ETag!.Tag);
        Assert.Equal("ООО «Лаборатория на Садовой»", (await detail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationName").GetString());
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, versions.StatusCode);
        Assert.Equal("\"1\"", shared.Headers.ETag!.Tag);
        Assert.Equal("ООО «Лаборатория на Садовой»", (await shared.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationName").GetString());
        var views = (await Seed.AccessesAsync(host, id)).Where(a => a.Channel == AccessChannel.Web).ToList();
        Assert.Equal(3, views.Count);
    }

    [Fact]
    public async Task The_profile_and_an_organisation_answer_304_for_their_current_version()
    {
        await using var host = await LedgerHost.StartAsync();
        await RegisterLabAsync(host, "Лаборатория");
        using var patient = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());

        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(patient, "/api/v1/patients/me", "\"1\"")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(patient, "/api/v1/patients/me", "\"0\"")).StatusCode);
        var organization = await GetAsync(admin, $"/api/v1/organizations/{Seed.Lab.Value}");
        Assert.Equal("\"1\"", organization.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await GetAsync(admin, $"/api/v1/organizations/{Seed.Lab.Value}", "\"1\"")).StatusCode);
    }

    [Fact]
    public async Task The_access_journal_says_how_many_entries_it_holds()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        for (var i = 0; i < 3; i++)
        {
            (await patient.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative))).EnsureSuccessStatusCode();
        }

        await Seed.CatchUpAsync(host);

        var page = await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/access-journal?pageSize=2");

        Assert.Equal(2, page.GetProperty("items").GetArrayLength());
        Assert.Equal(3, page.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task The_trend_list_names_every_analyte_with_a_trend_and_its_latest_value()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        await Seed.DocumentAsync(host, id, Seed.Report("A", NodaTime.Instant.FromUtc(2026, 1, 10, 8, 0), glucose: 5.0m));
        await Seed.DocumentAsync(host, id, Seed.Report("B", NodaTime.Instant.FromUtc(2026, 2, 10, 8, 0), glucose: 6.4m));
        using var patient = host.ClientAs(Roles.Patient, id);
        using var nobody = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        await Seed.CatchUpAsync(host);

        var list = await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends");
        var empty = await nobody.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends");

        var items = list.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("loinc").GetString()!);
        Assert.Equal(["2093-3", "2345-7"], items.Keys.Order(StringComparer.Ordinal));
        var glucose = items["2345-7"];
        Assert.Equal("Глюкоза", glucose.GetProperty("name").GetString());
        Assert.Equal("mmol/L", glucose.GetProperty("unit").GetString());
        Assert.Equal(2, glucose.GetProperty("count").GetInt64());
        Assert.Equal(6.4m, glucose.GetProperty("lastValue").GetDecimal());
        Assert.Equal("2026-02-10T08:00:00Z", glucose.GetProperty("lastObservedAt").GetString());
        Assert.Equal(0, empty.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Audit_ranges_take_dates_and_instants()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        (await patient.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative))).EnsureSuccessStatusCode();
        await Seed.CatchUpAsync(host);
        using var auditor = host.ClientAs(Roles.Auditor, Guid.NewGuid(), NodaTime.Duration.FromDays(30));

        // The read was at 2026-03-02T09:00Z: the day, and an instant range around it, hold it. The audit reads themselves
        // are recorded two days later, outside every range asked for.
        host.Clock.Advance(NodaTime.Duration.FromDays(2));
        var day = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{id}/access?from=2026-03-02&to=2026-03-02");
        var instants = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{id}/access?from=2026-03-02T08:00:00Z&to=2026-03-02T10:00:00Z");
        var before = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{id}/access?from=2026-03-01&to=2026-03-01");
        var bad = await auditor.GetAsync(new Uri($"/api/v1/audit/patients/{id}/access?from=yesterday&to=2026-03-02", UriKind.Relative));

        Assert.Equal(1, day.GetProperty("entries").GetArrayLength());
        Assert.Equal("2026-03-03T00:00:00Z", day.GetProperty("to").GetString());
        Assert.Equal(1, instants.GetProperty("entries").GetArrayLength());
        Assert.Equal(0, before.GetProperty("entries").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("from", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }
}
