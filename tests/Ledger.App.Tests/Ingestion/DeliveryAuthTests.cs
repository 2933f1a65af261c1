using System.Net;
using Ledger.App.Ingestion;
using Ledger.Domain;
using Ledger.Domain.Deliveries;
using Ledger.App.Security;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class DeliveryAuthTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private static readonly byte[] Message = Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7");

    private async Task<IReadOnlyList<DeliveryRefused>> RefusalsAsync(Guid? organization)
    {
        var events = await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(organization));
        return events.Select(e => (DeliveryRefused)host.Store.Deserialize(e)).ToList();
    }

    [Fact]
    public async Task Without_a_token_delivery_is_401()
    {
        var response = await DeliveryHost.PostHl7Async(host.Host.Http, Message);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(Roles.Patient)]
    [InlineData(Roles.Admin)]
    [InlineData(Roles.Doctor)]
    public async Task Another_role_is_403(string role)
    {
        using var client = host.Host.ClientAs(role, Guid.NewGuid());
        var before = await host.EventCountAsync();

        var hl7 = await DeliveryHost.PostHl7Async(client, Message);
        var fhir = await DeliveryHost.PostFhirAsync(client, Fixtures.Fhir("observation-example-f001-glucose.json"));

        Assert.Equal(HttpStatusCode.Forbidden, hl7.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fhir.StatusCode);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task An_unknown_organisation_is_401_and_the_refusal_is_recorded()
    {
        using var client = host.Host.ClientAs(Roles.Organization, Guid.NewGuid());
        var before = (await RefusalsAsync(null)).Count;

        var response = await DeliveryHost.PostHl7Async(client, Message);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var refusals = await RefusalsAsync(null);
        Assert.Equal(before + 1, refusals.Count);
        Assert.Equal(new DeliveryRefused(null, "http-hl7v2", "unknown_organization", "127.0.0.1"), refusals[^1]);
    }

    [Theory]
    [InlineData(false, false, false, "not_confirmed")]
    [InlineData(true, false, false, "delivery_not_enabled")]
    [InlineData(true, true, true, "suspended")]
    public async Task An_organisation_that_may_not_deliver_is_403_and_the_refusal_is_recorded(bool confirm, bool enable, bool suspend, string reason)
    {
        var org = await host.CreateOrganizationAsync(confirm, enable, suspend: suspend);
        var before = await host.EventCountAsync();

        var hl7 = await DeliveryHost.PostHl7Async(org.Client, Message);
        var fhir = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f001-glucose.json"));

        Assert.Equal(HttpStatusCode.Forbidden, hl7.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, fhir.StatusCode);
        Assert.Equal(
            [new DeliveryRefused(org.Id, "http-hl7v2", reason, "127.0.0.1"), new DeliveryRefused(org.Id, "http-fhir", reason, "127.0.0.1")],
            await RefusalsAsync(org.Id));
        Assert.Equal(before + 2, await host.EventCountAsync());
    }

    [Fact]
    public async Task The_refusal_stream_holds_no_message_content()
    {
        var org = await host.CreateOrganizationAsync(confirm: false, enable: false);

        await DeliveryHost.PostHl7Async(org.Client, Message);

        var recorded = Assert.Single(await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(org.Id)));
        Assert.Equal("ingestion.delivery_refused.v1", recorded.EventType);
        Assert.DoesNotContain("CNTRL-3456", recorded.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("GLUCOSE", recorded.Data, StringComparison.Ordinal);
    }
}
