using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Consents;

public sealed class ShareLinkTests
{
    internal static async Task<(Guid ConsentId, string Token)> GrantAsync(HttpClient patient, object? scope = null, string? validFrom = null, string validUntil = "2026-03-09T09:00:00Z")
    {
        var body = JsonSerializer.SerializeToNode(new
        {
            doctorSurname = "Петров",
            doctorGivenName = "Алексей",
            doctorSnils = Seed.NewSnils(),
            purpose = "консультация",
            validFrom,
            validUntil,
        })!.AsObject();
        if (scope is not null)
        {
            foreach (var (key, value) in JsonSerializer.SerializeToNode(scope)!.AsObject())
            {
                body[key] = value?.DeepClone();
            }
        }

        var response = await patient.PostAsJsonAsync("/api/v1/patients/me/consents", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var granted = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (granted.GetProperty("consentId").GetGuid(), granted.GetProperty("shareToken").GetString()!);
    }

    [Fact]
    public async Task A_share_link_shows_the_documents_in_scope_and_records_every_view()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var lab = await Seed.DocumentAsync(host, id);
        var study = await Seed.StudyAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (consent, token) = await GrantAsync(patient, new { scope = "documentTypes", documentTypes = new[] { "labReport" } });
        await Seed.CatchUpAsync(host);

        var list = await host.Http.GetFromJsonAsync<JsonElement>($"/api/v1/shared/{token}/documents");
        var detail = await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{lab}", UriKind.Relative));
        var outOfScope = await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{study}", UriKind.Relative));

        Assert.Equal([lab], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("documentId").GetGuid()));
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        Assert.Contains("ORD-1", await detail.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, outOfScope.StatusCode);
        Assert.DoesNotContain("брюшная", await outOfScope.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var accesses = await Seed.AccessesAsync(host, id);
        Assert.Equal(2, accesses.Count);
        Assert.All(accesses, a => Assert.Equal(consent, a.ConsentId!.Value.Value));
        Assert.Equal(lab, accesses[1].DocumentId!.Value.Value);
        var denial = Assert.Single(await Seed.DenialsAsync(host, id));
        Assert.Equal("consent.out_of_scope", denial.ReasonCode);
        Assert.Equal(study, denial.DocumentId!.Value.Value);
    }

    [Fact]
    public async Task A_revoked_link_is_refused_on_the_very_next_request_and_the_refusal_is_recorded()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var lab = await Seed.DocumentAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (consent, token) = await GrantAsync(patient);

        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{lab}", UriKind.Relative))).StatusCode);
        var revoked = await patient.PostAsJsonAsync($"/api/v1/patients/me/consents/{consent}/revoke", new { reason = "визит окончен" });
        var after = await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{lab}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
        var text = await after.Content.ReadAsStringAsync();
        Assert.DoesNotContain("ORD-1", text, StringComparison.Ordinal);
        Assert.Equal("consent.revoked", JsonDocument.Parse(text).RootElement.GetProperty("code").GetString());
        Assert.Equal("consent.revoked", Assert.Single(await Seed.DenialsAsync(host, id)).ReasonCode);
    }

    [Fact]
    public async Task A_link_expires_at_its_instant_and_is_refused_before_it_starts()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var lab = await Seed.DocumentAsync(host, id);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (_, later) = await GrantAsync(patient, validFrom: "2026-03-03T09:00:00Z", validUntil: "2026-03-04T09:00:00Z");
        var url = new Uri($"/api/v1/shared/{later}/documents/{lab}", UriKind.Relative);

        var early = await host.Http.GetAsync(url);
        host.Clock.Set(Instant.FromUtc(2026, 3, 3, 9, 0));
        var atStart = await host.Http.GetAsync(url);
        host.Clock.Set(Instant.FromUtc(2026, 3, 4, 8, 59, 59));
        var lastSecond = await host.Http.GetAsync(url);
        host.Clock.Set(Instant.FromUtc(2026, 3, 4, 9, 0));
        var atEnd = await host.Http.GetAsync(url);

        Assert.Equal(HttpStatusCode.Forbidden, early.StatusCode);
        Assert.Equal(HttpStatusCode.OK, atStart.StatusCode);
        Assert.Equal(HttpStatusCode.OK, lastSecond.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, atEnd.StatusCode);
        Assert.Equal(["consent.not_yet_valid", "consent.expired"], (await Seed.DenialsAsync(host, id)).Select(d => d.ReasonCode));
    }

    [Fact]
    public async Task Only_the_sha256_of_a_link_is_stored_and_an_unknown_link_is_a_404()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (consent, token) = await GrantAsync(patient);

        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT share_token_sha256 FROM ledger.consents_active WHERE consent_id = @c", connection);
        command.Parameters.AddWithValue("c", consent);
        var stored = (byte[])(await command.ExecuteScalarAsync())!;

        Assert.True(Base64UrlLength(token) >= 16);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(token)), stored);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}x/documents", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_consents_table_rebuilt_from_the_events_alone_keeps_every_share_link()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (consent, token) = await GrantAsync(patient);
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using (var drop = new NpgsqlCommand("DELETE FROM ledger.consents_active", connection))
        {
            await drop.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.NotFound, (await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents", UriKind.Relative))).StatusCode);

        // The inline projection applied again to the consent's stored events, in a transaction of its own.
        var store = host.Services.GetRequiredService<EventStore.EventStore>();
        var events = (await store.ReadStreamAsync(consent)).Select(e => new EventStore.AppendedEnvelope(e, store.Deserialize(e))).ToList();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var table = host.Services.GetRequiredService<App.Consents.ConsentsProjection>();
            await table.ApplyAsync(new EventStore.AppendContext(transaction, consent, "consent", events), events, CancellationToken.None);
            await transaction.CommitAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_patient_lists_and_revokes_only_own_consents_with_if_match()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        var other = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        using var stranger = host.ClientAs(Roles.Patient, other);
        var (consent, _) = await GrantAsync(patient);

        var list = await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/consents");
        var byStranger = await stranger.PostAsJsonAsync($"/api/v1/patients/me/consents/{consent}/revoke", new { });
        using var stale = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/patients/me/consents/{consent}/revoke") { Content = JsonContent.Create(new { }) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"7\"");
        var staleResponse = await patient.SendAsync(stale);

        var item = Assert.Single(list.EnumerateArray());
        Assert.Equal("active", item.GetProperty("status").GetString());
        Assert.Equal("Петров", item.GetProperty("doctor").GetProperty("surname").GetString());
        Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleResponse.StatusCode);
        Assert.Equal(0, (await stranger.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/consents")).GetArrayLength());
    }

    [Fact]
    public async Task A_repeated_grant_with_the_same_idempotency_key_returns_the_same_consent_without_a_new_link()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        patient.DefaultRequestHeaders.Add("Idempotency-Key", "grant-1");
        var body = new { doctorSurname = "Петров", doctorGivenName = "Алексей", doctorSnils = Seed.NewSnils(), purpose = "консультация", validUntil = "2026-03-09T09:00:00Z" };

        var first = await patient.PostAsJsonAsync("/api/v1/patients/me/consents", body);
        var second = await patient.PostAsJsonAsync("/api/v1/patients/me/consents", body);
        var one = await first.Content.ReadFromJsonAsync<JsonElement>();
        var two = await second.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(one.GetProperty("consentId").GetGuid(), two.GetProperty("consentId").GetGuid());
        Assert.False(two.TryGetProperty("shareToken", out _));
        Assert.Single((await patient.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/consents")).EnumerateArray());
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync(new Uri($"/api/v1/shared/{one.GetProperty("shareToken").GetString()}/documents", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [InlineData("{\"doctorSurname\":\"П\",\"doctorGivenName\":\"А\",\"doctorSnils\":\"1\",\"purpose\":\"x\",\"validUntil\":\"2026-03-09T09:00:00Z\"}", "doctorSnils")]
    [InlineData("{\"doctorSurname\":\"П\",\"doctorGivenName\":\"А\",\"doctorSnils\":\"112-233-445 95\",\"purpose\":\"x\",\"validUntil\":\"soon\"}", "validUntil")]
    [InlineData("{\"doctorSurname\":\"П\",\"doctorGivenName\":\"А\",\"doctorSnils\":\"112-233-445 95\",\"purpose\":\"x\",\"validUntil\":\"2026-03-09T09:00:00Z\",\"scope\":\"documents\"}", "documentIds")]
    [InlineData("{\"doctorSurname\":\"П\",\"doctorGivenName\":\"А\",\"doctorSnils\":\"112-233-445 95\",\"purpose\":\"x\",\"validUntil\":\"2026-03-09T09:00:00Z\",\"scope\":\"some\"}", "scope")]
    [InlineData("{\"doctorSurname\":\"П\",\"doctorGivenName\":\"А\",\"doctorSnils\":\"112-233-445 95\",\"purpose\":\" \",\"validUntil\":\"2026-03-09T09:00:00Z\"}", "purpose")]
    public async Task An_invalid_grant_is_a_400_naming_the_field(string json, string field)
    {
        await using var host = await LedgerHost.StartAsync();
        using var patient = host.ClientAs(Roles.Patient, Guid.NewGuid());

        var response = await patient.PostAsync(new Uri("/api/v1/patients/me/consents", UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    private static int Base64UrlLength(string token) => (token.Length * 6) / 8;
}
