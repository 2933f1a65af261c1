using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.AccessJournal;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Xunit;

namespace Ledger.App.Tests.Audit;

public sealed class AuditTests
{
    private static string Iso(Instant t) => InstantPattern.ExtendedIso.Format(t);

    [Fact]
    public async Task The_journal_and_a_replay_of_the_raw_access_stream_agree_on_a_randomized_history()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var recorder = host.Services.GetRequiredService<AccessRecorder>();
        var random = new Random(20260302);
        var start = host.Clock.GetCurrentInstant();
        var kinds = new[] { ActorKind.Patient, ActorKind.Doctor, ActorKind.Support, ActorKind.System };
        for (var i = 0; i < 60; i++)
        {
            host.Clock.Advance(Duration.FromSeconds(random.Next(0, 4000)));
            var kind = kinds[random.Next(kinds.Length)];
            var entry = new AccessEntry(
                new PatientId(patient),
                new Actor(kind, new ActorId(Guid.NewGuid())),
                random.Next(3) == 0 ? null : new DocumentId(Guid.NewGuid()),
                "purpose " + random.Next(5),
                kind == ActorKind.Doctor ? new ConsentId(Guid.NewGuid()) : null,
                (AccessChannel)random.Next(0, 5),
                random.Next(2) == 0 ? null : $"10.0.0.{random.Next(255)}");
            if (random.Next(3) == 0)
            {
                await recorder.DeniedAsync(entry, "consent." + random.Next(3));
            }
            else
            {
                await recorder.AccessedAsync(entry, (AccessOutcome)random.Next(0, 3));
            }
        }

        var end = host.Clock.GetCurrentInstant();
        host.Clock.Advance(Duration.FromHours(1));
        await Seed.CatchUpAsync(host);
        using var auditor = host.ClientAs(Roles.Auditor, Guid.NewGuid(), Duration.FromDays(30));
        var windows = new List<(Instant, Instant)> { (start, end + Duration.FromSeconds(1)) };
        for (var i = 0; i < 8; i++)
        {
            var a = start + Duration.FromSeconds(random.Next(0, (int)(end - start).TotalSeconds));
            var b = start + Duration.FromSeconds(random.Next(0, (int)(end - start).TotalSeconds));
            windows.Add(a < b ? (a, b) : (b, a));
        }

        var total = 0;
        foreach (var (from, to) in windows)
        {
            var journal = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{patient}/access?from={Iso(from)}&to={Iso(to)}");
            var replay = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{patient}/access?from={Iso(from)}&to={Iso(to)}&source=events");
            Assert.Equal(journal.GetProperty("entries").GetRawText(), replay.GetProperty("entries").GetRawText());
            total = Math.Max(total, journal.GetProperty("entries").GetArrayLength());
        }

        Assert.Equal(60, total);
        var audits = (await Seed.AccessesAsync(host, patient)).Where(a => a.Actor.Kind == ActorKind.Auditor).ToList();
        Assert.Equal(windows.Count * 2, audits.Count);
    }

    [Fact]
    public async Task A_consent_and_a_stream_read_as_of_an_instant_and_the_reads_are_recorded()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient, Duration.FromDays(30));
        var (consent, _) = await ShareLinkTests.GrantAsync(client);
        var beforeRevocation = host.Clock.GetCurrentInstant();
        host.Clock.Advance(Duration.FromHours(2));
        await client.PostAsJsonAsync($"/api/v1/patients/me/consents/{consent}/revoke", new { });
        using var auditor = host.ClientAs(Roles.Auditor, Guid.NewGuid(), Duration.FromDays(30));

        var then = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/consents/{consent}?asOf={Iso(beforeRevocation)}");
        var now = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/consents/{consent}");
        var stream = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/streams/{consent}?asOf={Iso(beforeRevocation)}");
        var full = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/streams/{consent}");
        var before = await auditor.GetAsync(new Uri($"/api/v1/audit/consents/{consent}?asOf=2020-01-01T00:00:00Z", UriKind.Relative));

        Assert.True(then.GetProperty("activeAt").GetBoolean());
        Assert.Equal(1, then.GetProperty("version").GetInt64());
        Assert.False(now.GetProperty("activeAt").GetBoolean());
        Assert.Equal(2, now.GetProperty("version").GetInt64());
        Assert.Equal(1, stream.GetProperty("events").GetArrayLength());
        Assert.Equal("consents.granted.v1", stream.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.Equal(2, full.GetProperty("events").GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        var audits = (await Seed.AccessesAsync(host, patient)).Where(a => a.Actor.Kind == ActorKind.Auditor).ToList();
        Assert.Equal(4, audits.Count);
        Assert.All(audits, a => Assert.Equal(AccessChannel.Api, a.Channel));
    }

    [Fact]
    public async Task A_read_of_a_stream_that_is_no_patients_is_recorded_in_the_auditors_own_stream()
    {
        await using var host = await LedgerHost.StartAsync();
        var organization = new OrganizationId(Guid.NewGuid());
        await Seed.Executor(host).ExecuteAsync(
            Ledger.App.Streams.Deciders.Organization,
            organization.Value,
            new Domain.Organizations.RegisterOrganization(organization, Inn.Parse(Ledger.App.Tests.Ingestion.DeliveryHost.ValidInn(770712345)), Ogrn.Parse(Ledger.App.Tests.Ingestion.DeliveryHost.ValidOgrn(102770012345)),
                Domain.Organizations.OrganizationType.Laboratory, "Лаборатория", "1.2.643.5.1.13.13.12.2.77.1"),
            new Ledger.App.Streams.CommandContext(Guid.NewGuid(), Ledger.EventStore.EventMetadata.Empty));
        var auditorId = Guid.NewGuid();
        using var auditor = host.ClientAs(Roles.Auditor, auditorId, Duration.FromDays(30));

        var stream = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/streams/{organization.Value}");

        Assert.Equal("organizations.registered.v1", stream.GetProperty("events")[0].GetProperty("type").GetString());
        var own = Assert.Single(await Seed.AccessesAsync(host, auditorId));
        Assert.Equal(ActorKind.Auditor, own.Actor.Kind);
        Assert.Equal(AccessChannel.Api, own.Channel);
        Assert.Contains(organization.Value.ToString("D"), own.Purpose, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Roles.Patient)]
    [InlineData(Roles.Doctor)]
    [InlineData(Roles.Support)]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Organization)]
    public async Task Only_auditors_use_the_audit_api(string role)
    {
        await using var host = await LedgerHost.StartAsync();
        using var client = host.ClientAs(role, Guid.NewGuid());

        var response = await client.GetAsync(new Uri($"/api/v1/audit/patients/{Guid.NewGuid()}/access?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
