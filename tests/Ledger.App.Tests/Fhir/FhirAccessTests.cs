using System.Net;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Access;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.Fhir;

/// <summary>Who reads what: the patient their own record, a link what its consent covers; every read is recorded.</summary>
public sealed class FhirAccessTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    [Fact]
    public async Task Another_patients_ids_are_not_found()
    {
        var client = fixture.Client();

        foreach (var path in new[] { $"Patient/{fixture.Other:D}", $"Observation/{fixture.OtherDocument:D}-1", $"DiagnosticReport/{fixture.OtherDocument:D}", $"Provenance/{fixture.OtherDocument:D}", $"Observation/{fixture.OtherDocument:D}-1#history" })
        {
            var error = await Assert.ThrowsAsync<FhirOperationException>(() => path.EndsWith("#history", StringComparison.Ordinal) ? client.HistoryAsync(path[..^"#history".Length]) : client.ReadAsync<Resource>(path));
            Assert.Equal(HttpStatusCode.NotFound, error.Status);
            Assert.Equal(OperationOutcome.IssueType.NotFound, error.Outcome!.Issue[0].Code);
        }

        var search = await client.SearchAsync<Observation>(["code=2345-7"]);
        Assert.DoesNotContain(search!.Entry, e => e.Resource!.Id!.StartsWith(fixture.OtherDocument.ToString("D"), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_read_is_recorded_in_the_patients_access_journal()
    {
        var client = fixture.Client();
        var before = (await Seed.AccessesAsync(fixture.Host, fixture.Patient)).Count;

        await client.ReadAsync<Observation>($"Observation/{fixture.Reports[1]:D}-2");
        await client.SearchAsync<Immunization>();
        await client.HistoryAsync($"Observation/{fixture.Reports[1]:D}-2");

        var accesses = (await Seed.AccessesAsync(fixture.Host, fixture.Patient)).Skip(before).ToList();
        Assert.Equal(3, accesses.Count);
        Assert.All(accesses, a => Assert.Equal((ActorKind.Patient, AccessChannel.Api), (a.Actor.Kind, a.Channel)));
        Assert.Equal(fixture.Reports[1], accesses[0].DocumentId!.Value.Value);
        Assert.StartsWith("fhir read Observation", accesses[0].Purpose, StringComparison.Ordinal);
        Assert.StartsWith("fhir search Immunization", accesses[1].Purpose, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_reads_what_its_consent_covers_as_the_doctor_and_is_recorded()
    {
        using var patient = fixture.Host.ClientAs(Roles.Patient, fixture.Patient);
        var (consent, token) = await ShareLinkTests.GrantAsync(patient, new { scope = "documentTypes", documentTypes = new[] { "vaccination" } });
        var client = fixture.Client(token);
        var before = (await Seed.AccessEventsAsync(fixture.Host, fixture.Patient)).Count;

        var immunizations = await client.SearchAsync<Immunization>();
        var observations = await client.SearchAsync<Observation>();
        var outOfScope = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<DiagnosticReport>($"DiagnosticReport/{fixture.Reports[0]:D}"));
        var journal = await Assert.ThrowsAsync<FhirOperationException>(() => client.SearchAsync<AuditEvent>());
        var consents = await client.SearchAsync<Consent>();
        var subject = await client.ReadAsync<Patient>($"Patient/{fixture.Patient:D}");

        Assert.Equal(fixture.Vaccination.ToString("D"), Assert.Single(immunizations!.Entry).Resource!.Id);
        Assert.Equal(0, observations!.Total);
        Assert.Equal(HttpStatusCode.NotFound, outOfScope.Status);
        Assert.Equal(HttpStatusCode.Forbidden, journal.Status);
        Assert.Equal(consent.ToString("D"), Assert.Single(consents!.Entry).Resource!.Id);
        Assert.Empty(subject!.Identifier);
        Assert.Empty(subject.Telecom);
        var recorded = (await Seed.AccessEventsAsync(fixture.Host, fixture.Patient)).Skip(before).ToList();
        Assert.Equal(6, recorded.Count);
        Assert.All(recorded.OfType<RecordAccessed>(), a => Assert.Equal((ActorKind.Doctor, consent, AccessChannel.ShareLink), (a.Actor.Kind, a.Actor.Id.Value, a.Channel)));
        Assert.Equal(["document.not_found", "consent.out_of_scope"], recorded.OfType<AccessDenied>().Select(d => d.ReasonCode).ToArray());
    }

    [Fact]
    public async Task A_revoked_link_is_refused_with_an_outcome_and_the_refusal_recorded()
    {
        using var patient = fixture.Host.ClientAs(Roles.Patient, fixture.Patient);
        var (consent, token) = await ShareLinkTests.GrantAsync(patient);
        (await patient.PostAsync(new Uri($"/api/v1/patients/me/consents/{consent}/revoke", UriKind.Relative), null)).EnsureSuccessStatusCode();

        using var http = fixture.Host.Anonymous();
        using var response = await http.GetAsync(new Uri($"/fhir/r4/shared/{token}/Observation", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var issue = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0];
        Assert.Equal("forbidden", issue.GetProperty("code").GetString());
        Assert.Equal("consent.revoked", issue.GetProperty("expression")[0].GetString());
        Assert.Contains(await Seed.DenialsAsync(fixture.Host, fixture.Patient), d => d.ConsentId?.Value == consent && d.ReasonCode == "consent.revoked");
    }

    [Fact]
    public async Task An_unknown_link_is_not_found_and_a_doctor_token_is_forbidden()
    {
        using var http = fixture.Host.Anonymous();
        using var doctor = fixture.Host.ClientAs(Roles.Doctor, Guid.NewGuid());

        using var unknown = await http.GetAsync(new Uri("/fhir/r4/shared/no-such-link/Observation", UriKind.Relative));
        using var anonymous = await http.GetAsync(new Uri("/fhir/r4/Observation", UriKind.Relative));
        using var forbidden = await doctor.GetAsync(new Uri("/fhir/r4/Observation", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.All(new[] { unknown, anonymous, forbidden }, r => Assert.Equal("application/fhir+json", r.Content.Headers.ContentType!.MediaType));
    }
}
