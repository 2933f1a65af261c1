using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Cli;
using Ledger.App.Tests.Ingestion;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Organizations;

public sealed class OrganizationEndpointTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private static readonly Uri Organizations = new("/api/v1/organizations", UriKind.Relative);

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task An_organisation_goes_from_registered_to_confirmed_to_delivering_to_suspended()
    {
        var (ogrn, inn, name) = await host.NewIdentityAsync();
        var registry = await File.ReadAllTextAsync(host.Host.App.Configuration["Ledger:OrganizationRegistry"]!);
        var oid = registry.Split('\n').Single(l => l.StartsWith(ogrn, StringComparison.Ordinal)).Split(',')[^1];

        var created = await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type = "laboratory", name, registryOid = oid, mllpSources = new[] { "10.0.0.7" } });
        var row = await JsonAsync(created);
        var id = row.GetProperty("organizationId").GetGuid();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("registered", row.GetProperty("status").GetString());
        Assert.False(row.GetProperty("canDeliver").GetBoolean());
        Assert.Equal("10.0.0.7", Assert.Single(row.GetProperty("mllpSources").EnumerateArray()).GetString());

        var verified = await JsonAsync(await host.Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/verify", UriKind.Relative), null));
        Assert.Equal("confirmed", verified.GetProperty("status").GetString());
        var enabled = await JsonAsync(await host.Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/enable-delivery", UriKind.Relative), null));
        Assert.True(enabled.GetProperty("canDeliver").GetBoolean());
        var suspended = await JsonAsync(await host.Admin.PostAsJsonAsync(new Uri($"/api/v1/organizations/{id}/suspend", UriKind.Relative), new { reason = "licence withdrawn" }));
        Assert.Equal("suspended", suspended.GetProperty("status").GetString());
        Assert.False(suspended.GetProperty("canDeliver").GetBoolean());
        var fetched = await JsonAsync(await host.Admin.GetAsync(new Uri($"/api/v1/organizations/{id}", UriKind.Relative)));
        Assert.Equal(ogrn, fetched.GetProperty("ogrn").GetString());
        Assert.Equal(inn, fetched.GetProperty("inn").GetString());
    }

    [Fact]
    public async Task An_organisation_missing_from_the_registry_is_rejected_and_cannot_be_enabled()
    {
        var (ogrn, inn, name) = await host.NewIdentityAsync(listed: false);
        var created = await JsonAsync(await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type = "hospital", name, registryOid = "1.2.3" }));
        var id = created.GetProperty("organizationId").GetGuid();

        var verified = await JsonAsync(await host.Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/verify", UriKind.Relative), null));
        var enable = await host.Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/enable-delivery", UriKind.Relative), null);

        Assert.Equal("rejected", verified.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, enable.StatusCode);
        Assert.Equal("organization.not_confirmed", (await JsonAsync(enable)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("7707083894", "1027700132195", "laboratory", "Lab", "1.2.3", "inn")]
    [InlineData("7707083893", "1027700132196", "laboratory", "Lab", "1.2.3", "ogrn")]
    [InlineData("7707083893", "1027700132195", "pharmacy", "Lab", "1.2.3", "type")]
    [InlineData("7707083893", "1027700132195", "1", "Lab", "1.2.3", "type")]
    [InlineData("7707083893", "1027700132195", "laboratory", " ", "1.2.3", "name")]
    [InlineData("7707083893", "1027700132195", "laboratory", "Lab", "1..2", "registryOid")]
    [InlineData(null, "1027700132195", "laboratory", "Lab", "1.2.3", "inn")]
    public async Task Bad_input_is_400_naming_the_field(string? inn, string ogrn, string type, string name, string oid, string field)
    {
        var response = await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type, name, registryOid = oid });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await JsonAsync(response)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task A_bad_mllp_source_is_400()
    {
        var (ogrn, inn, name) = await host.NewIdentityAsync();
        var response = await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type = "laboratory", name, registryOid = "1.2.3", mllpSources = new[] { "lab.example" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("mllpSources", (await JsonAsync(response)).GetProperty("field").GetString());
    }

    [Fact]
    public async Task The_same_ogrn_cannot_be_registered_twice()
    {
        var (ogrn, inn, name) = await host.NewIdentityAsync();
        Assert.Equal(HttpStatusCode.Created, (await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type = "laboratory", name, registryOid = "1.2.3" })).StatusCode);

        var again = await host.Admin.PostAsJsonAsync(Organizations, new { inn, ogrn, type = "laboratory", name, registryOid = "1.2.3" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, again.StatusCode);
        Assert.Equal("organization.ogrn_taken", (await JsonAsync(again)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Only_an_admin_may_manage_organisations()
    {
        using var organization = host.Host.ClientAs(Security.Roles.Organization, Guid.NewGuid());

        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Host.Http.GetAsync(new Uri($"/api/v1/organizations/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await organization.GetAsync(new Uri($"/api/v1/organizations/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync(new Uri($"/api/v1/organizations/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task The_token_command_issues_a_delivery_token_only_for_an_enabled_organisation()
    {
        var home = Path.Combine(Path.GetTempPath(), "ledger-home-" + Guid.NewGuid().ToString("N"));
        Environment.SetEnvironmentVariable("LEDGER_CONNECTION", host.Host.ConnectionString);
        Environment.SetEnvironmentVariable("LEDGER_HOME", home);
        try
        {
            var disabled = await host.CreateOrganizationAsync(confirm: true, enable: false);
            using var output = new StringWriter();
            using var error = new StringWriter();
            Assert.Equal(0, await LedgerProgram.RunAsync(["token", "--organization", host.Lab.Ogrn], FakeClock.At(2026, 3, 2), output, error));
            var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(output.ToString().Trim());
            Assert.Equal("organization", token.GetClaim("role").Value);
            Assert.Equal(host.Lab.Id.ToString("D"), token.Subject);
            Assert.Equal(host.Lab.Ogrn, token.GetClaim("ogrn").Value);

            using var refusedOutput = new StringWriter();
            using var refusedError = new StringWriter();
            Assert.Equal(1, await LedgerProgram.RunAsync(["token", "--organization", disabled.Ogrn], FakeClock.At(2026, 3, 2), refusedOutput, refusedError));
            Assert.Single(refusedError.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("ledger: ", StringComparison.Ordinal));
            Assert.Empty(refusedOutput.ToString());
            using var unknownError = new StringWriter();
            Assert.Equal(1, await LedgerProgram.RunAsync(["token", "--organization", DeliveryHost.ValidOgrn(555555555555)], FakeClock.At(2026, 3, 2), TextWriter.Null, unknownError));
            Assert.Contains("no organisation is registered", unknownError.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("LEDGER_CONNECTION", null);
            Environment.SetEnvironmentVariable("LEDGER_HOME", null);
            if (Directory.Exists(home))
            {
                Directory.Delete(home, recursive: true);
            }
        }
    }
}

public sealed class UnconfiguredRegistryTests
{
    [Fact]
    public async Task Verification_without_a_configured_registry_is_refused_with_a_clear_problem()
    {
        await using var host = await LedgerHost.StartAsync();
        using var admin = host.ClientAs(Security.Roles.Admin, Guid.NewGuid());
        var created = await (await admin.PostAsJsonAsync(new Uri("/api/v1/organizations", UriKind.Relative), new { inn = "7707083893", ogrn = "1027700132195", type = "laboratory", name = "Lab", registryOid = "1.2.3" })).Content.ReadFromJsonAsync<JsonElement>();

        var response = await admin.PostAsync(new Uri($"/api/v1/organizations/{created.GetProperty("organizationId").GetGuid()}/verify", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("Ledger:OrganizationRegistry", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
