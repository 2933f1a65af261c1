using System.Net;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Xunit;

namespace Ledger.App.Tests.Fhir;

public sealed class FhirErasureTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    [Fact]
    public async Task An_erased_patient_is_gone()
    {
        var patient = await Seed.PatientAsync(fixture.Host);
        var document = await Seed.DocumentAsync(fixture.Host, patient);
        using var admin = fixture.Host.ClientAs(Roles.Admin, Guid.NewGuid());
        (await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null)).EnsureSuccessStatusCode();
        using var http = fixture.Host.ClientAs(Roles.Patient, patient);

        using var observation = await http.GetAsync(new Uri($"/fhir/r4/Observation/{document:D}-1", UriKind.Relative));
        using var self = await http.GetAsync(new Uri($"/fhir/r4/Patient/{patient:D}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Gone, observation.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, self.StatusCode);
        Assert.Contains("\"deleted\"", await self.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
