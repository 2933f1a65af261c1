using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Http;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Microsoft.AspNetCore.HttpsPolicy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ledger.App.Tests.Http;

/// <summary>Cache-Control, CORS, rate limits, HTTPS redirection and HSTS, from the <c>Ledger:Http</c> settings.</summary>
public sealed class HeadersAndLimitsTests
{
    private const string Portal = "https://portal.example";

    private static HttpRequestMessage Preflight(string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, new Uri(path, UriKind.Relative));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,if-none-match");
        return request;
    }

    [Fact]
    public async Task Every_api_answer_is_no_store_and_without_configuration_there_is_no_cors()
    {
        await using var host = await LedgerHost.StartAsync();
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);

        var profile = await patient.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative));
        var list = await patient.GetAsync(new Uri("/api/v1/patients/me/documents", UriKind.Relative));
        var missing = await patient.GetAsync(new Uri($"/api/v1/patients/me/documents/{Guid.NewGuid()}", UriKind.Relative));
        var anonymous = await host.Http.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative));
        var health = await host.Http.GetAsync(new Uri("/health", UriKind.Relative));
        using var preflight = Preflight("/api/v1/patients/me", Portal);
        var cors = await host.Http.SendAsync(preflight);

        foreach (var response in new[] { profile, list, missing, anonymous })
        {
            Assert.True(response.Headers.CacheControl?.NoStore, $"{response.RequestMessage!.RequestUri} {(int)response.StatusCode}");
        }

        Assert.NotEqual(true, health.Headers.CacheControl?.NoStore);
        Assert.False(cors.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_may_call_from_a_browser_and_read_the_etag()
    {
        await using var host = await LedgerHost.StartAsync(b => b.Configuration["Ledger:Http:CorsOrigins:0"] = Portal);
        using var patient = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));

        using var allowed = Preflight("/api/v1/patients/me", Portal);
        using var other = Preflight("/api/v1/patients/me", "https://elsewhere.example");
        var yes = await host.Http.SendAsync(allowed);
        var no = await host.Http.SendAsync(other);
        using var get = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/patients/me", UriKind.Relative));
        get.Headers.Add("Origin", Portal);
        var profile = await patient.SendAsync(get);

        Assert.Equal(HttpStatusCode.NoContent, yes.StatusCode);
        Assert.Equal(Portal, Assert.Single(yes.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("authorization", string.Join(',', yes.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
        Assert.False(no.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(Portal, Assert.Single(profile.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("ETag", string.Join(',', profile.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Share_links_subjects_and_organisations_each_have_their_own_limit_answered_429_with_retry_after()
    {
        await using var host = await LedgerHost.StartAsync(b =>
        {
            foreach (var limit in new[] { "ShareLink", "Subject", "Organization" })
            {
                b.Configuration[$"Ledger:Http:RateLimits:{limit}:PermitLimit"] = "3";
                b.Configuration[$"Ledger:Http:RateLimits:{limit}:WindowSeconds"] = "3600";
            }
        });
        var id = await Seed.PatientAsync(host);
        using var patient = host.ClientAs(Roles.Patient, id);
        var (_, token) = await ShareLinkTests.GrantAsync(patient);
        var (_, otherToken) = await ShareLinkTests.GrantAsync(patient);
        using var neighbour = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        using var organization = host.ClientAs(Roles.Organization, Guid.NewGuid());

        async Task<List<HttpResponseMessage>> FourAsync(Func<Task<HttpResponseMessage>> send)
        {
            var responses = new List<HttpResponseMessage>();
            for (var i = 0; i < 4; i++)
            {
                responses.Add(await send());
            }

            return responses;
        }

        var link = await FourAsync(() => host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents", UriKind.Relative)));
        var otherLink = await host.Http.GetAsync(new Uri($"/api/v1/shared/{otherToken}/documents", UriKind.Relative));
        // The patient already granted twice: one more request passes, the next is over the limit.
        var subject = await FourAsync(() => patient.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative)));
        var otherSubject = await neighbour.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative));
        var deliveries = await FourAsync(() => organization.PostAsync(new Uri("/api/v1/ingest/hl7v2", UriKind.Relative), new ByteArrayContent([])));

        Assert.All(link.Take(3), r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(HttpStatusCode.OK, otherLink.StatusCode);
        Assert.Equal(HttpStatusCode.OK, subject[0].StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherSubject.StatusCode);
        Assert.All(deliveries.Take(3), r => Assert.NotEqual(HttpStatusCode.TooManyRequests, r.StatusCode));
        foreach (var refused in new[] { link[3], subject[1], subject[3], deliveries[3] })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:ledger:problem:too-many-requests", problem.GetProperty("type").GetString());
            Assert.Equal(429, problem.GetProperty("status").GetInt32());
            var retryAfter = refused.Headers.RetryAfter?.Delta;
            Assert.NotNull(retryAfter);
            Assert.InRange(retryAfter.Value.TotalSeconds, 1, 3600);
            Assert.True(refused.Headers.CacheControl?.NoStore);
        }
    }

    [Fact]
    public async Task Https_redirection_and_hsts_are_on_when_configured()
    {
        await using var host = await LedgerHost.StartAsync(b =>
        {
            b.Configuration["Ledger:Http:HttpsRedirection"] = "true";
            b.Configuration["Ledger:Http:HttpsPort"] = "8443";
            b.Configuration["Ledger:Http:HstsMaxAgeDays"] = "365";
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Address };

        var response = await client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal($"https://{host.Address.Host}:8443/health", response.Headers.Location!.ToString());
        var hsts = host.Services.GetRequiredService<IOptions<HstsOptions>>().Value;
        Assert.Equal(TimeSpan.FromDays(365), hsts.MaxAge);
    }

    private static HttpSettings Read(params (string Key, string Value)[] values) =>
        HttpSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build());

    [Fact]
    public void The_settings_have_their_defaults_and_a_value_that_cannot_be_read_names_its_key()
    {
        var defaults = Read();
        var set = Read(("Ledger:Http:CorsOrigins", "https://a.example, https://b.example/"), ("Ledger:Http:RateLimits:Organization:PermitLimit", "100"));

        Assert.Null(defaults.PublicBaseUrl);
        Assert.Empty(defaults.CorsOrigins);
        Assert.Equal(new RequestLimit(60, TimeSpan.FromMinutes(1)), defaults.ShareLinkLimit);
        Assert.Equal(new RequestLimit(600, TimeSpan.FromMinutes(1)), defaults.SubjectLimit);
        Assert.True(defaults.OrganizationLimit.IsOff);
        Assert.False(defaults.HttpsRedirection);
        Assert.Null(defaults.HstsMaxAge);
        Assert.Equal(["https://a.example", "https://b.example"], set.CorsOrigins);
        Assert.Equal(100, set.OrganizationLimit.PermitLimit);
        var error = Assert.Throws<InvalidOperationException>(() => Read(("Ledger:Http:RateLimits:Subject:PermitLimit", "many")));
        Assert.Contains("Ledger:Http:RateLimits:Subject:PermitLimit", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => Read(("Ledger:Http:PublicBaseUrl", "ledger.example")));
    }
}
