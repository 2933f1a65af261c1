using Xunit;
using Xunit.Abstractions;

namespace Ledger.App.Tests.Ingestion;

public sealed class FixtureProbeTests(DeliveryHost host, ITestOutputHelper output) : IClassFixture<DeliveryHost>
{
    [Fact]
    public async Task Probe()
    {
        foreach (var name in Fixtures.AllHl7())
        {
            var r = await DeliveryHost.PostHl7Async(host.Lab.Client, Fixtures.Hl7(name));
            var body = await r.Content.ReadAsStringAsync();
            output.WriteLine($"{name}: {(int)r.StatusCode} {body.Replace('\r', '|')}");
        }

        foreach (var name in Fixtures.AllFhir())
        {
            var r = await DeliveryHost.PostFhirAsync(host.Lab.Client, Fixtures.Fhir(name));
            output.WriteLine($"{name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        }
    }
}
