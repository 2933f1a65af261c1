using System.Net;
using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.Domain.Access;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.Fhir;

/// <summary>The medical card as Condition and AllergyIntolerance: read, searched, paged, valid, clinic and patient kept apart.</summary>
public sealed class FhirMedicalCardTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    [Fact]
    public async Task The_client_reads_a_condition_and_an_allergy_as_delivered_and_each_is_valid()
    {
        var client = fixture.Client();

        var condition = await client.ReadAsync<Condition>($"Condition/{fixture.ClinicCondition:D}");
        var allergy = await client.ReadAsync<AllergyIntolerance>($"AllergyIntolerance/{fixture.ClinicAllergy:D}");
        var xml = await fixture.Client(format: ResourceFormat.Xml).ReadAsync<AllergyIntolerance>($"AllergyIntolerance/{fixture.ClinicAllergy:D}");

        FhirValidation.AssertValid(condition!);
        FhirValidation.AssertValid(allergy!);
        var code = Assert.Single(condition!.Code!.Coding);
        Assert.Equal(("http://hl7.org/fhir/sid/icd-10", "E11.9", "Сахарный диабет 2 типа"), (code.System, code.Code, code.Display));
        Assert.Equal("active", Assert.Single(condition.ClinicalStatus!.Coding).Code);
        Assert.Equal("confirmed", Assert.Single(condition.VerificationStatus!.Coding).Code);
        Assert.Equal("2019-05-14", ((FhirDateTime)condition.Onset!).Value);
        Assert.Equal("Patient/" + fixture.Patient.ToString("D"), condition.Subject!.Reference);
        Assert.Equal(("http://snomed.info/sct", "91936005"), (allergy!.Code!.Coding[0].System, allergy.Code.Coding[0].Code));
        Assert.Equal(AllergyIntolerance.AllergyIntoleranceType.Allergy, allergy.Type);
        Assert.Equal([AllergyIntolerance.AllergyIntoleranceCategory.Medication], allergy.Category.ToArray());
        Assert.Equal(AllergyIntolerance.AllergyIntoleranceCriticality.High, allergy.Criticality);
        Assert.Equal("крапивница", Assert.Single(Assert.Single(allergy.Reaction).Manifestation).Text);
        Assert.Equal(allergy.Code.Coding[0].Code, xml!.Code!.Coding[0].Code);
    }

    [Fact]
    public async Task A_patients_report_and_the_clinics_entry_of_the_same_condition_are_two_resources_told_apart_by_recorder_and_asserter()
    {
        var client = fixture.Client();

        var conditions = await client.SearchAsync<Condition>();
        var clinic = await client.ReadAsync<Condition>($"Condition/{fixture.ClinicCondition:D}");
        var reported = await client.ReadAsync<Condition>($"Condition/{fixture.ReportedCondition:D}");

        Assert.Equal(3, conditions!.Total);
        Assert.Equal(2, conditions.Entry.Count(e => ((Condition)e.Resource!).Code!.Coding.Any(c => c.Code == "E11.9")));
        var patient = "Patient/" + fixture.Patient.ToString("D");
        Assert.Equal(patient, reported!.Asserter!.Reference);
        Assert.Equal(patient, reported.Recorder!.Reference);
        Assert.Equal("unconfirmed", reported.VerificationStatus!.Coding[0].Code);
        Assert.Null(clinic!.Recorder!.Reference);
        Assert.Equal(("urn:ledger:organization", fixture.CardClinic.Id.ToString("D")), (clinic.Recorder.Identifier!.System, clinic.Recorder.Identifier.Value));
        Assert.Equal($"Петрова А. А. ({fixture.CardClinic.Name})", clinic.Recorder.Display);
        Assert.NotEqual(patient, clinic.Asserter?.Reference);
        FhirValidation.AssertValid(reported);
    }

    [Fact]
    public async Task Conditions_are_searched_by_clinical_status_and_paged()
    {
        var client = fixture.Client();

        var active = await client.SearchAsync<Condition>(["clinical-status=active"]);
        var resolved = await client.SearchAsync<Condition>(["clinical-status=http://terminology.hl7.org/CodeSystem/condition-clinical|resolved"]);
        var either = await client.SearchAsync<Condition>(["clinical-status=resolved,active"]);
        var otherSystem = await client.SearchAsync<Condition>(["clinical-status=urn:other|active"]);
        var allergies = await client.SearchAsync<AllergyIntolerance>(["clinical-status=active"]);

        Assert.Equal(2, active!.Total);
        Assert.Equal(fixture.ResolvedCondition.ToString("D"), Assert.Single(resolved!.Entry).Resource!.Id);
        Assert.Equal(3, either!.Total);
        Assert.Equal(0, otherSystem!.Total);
        Assert.Equal(fixture.ClinicAllergy.ToString("D"), Assert.Single(allergies!.Entry).Resource!.Id);
        FhirValidation.AssertValid(active);
        FhirValidation.AssertValid(allergies);

        var page = await client.SearchAsync<Condition>(pageSize: 2);
        var seen = new List<string>();
        var pages = 0;
        while (page is not null)
        {
            pages++;
            Assert.Equal(3, page.Total);
            seen.AddRange(page.Entry.Select(e => e.Resource!.Id!));
            page = await client.ContinueAsync(page);
        }

        Assert.Equal(2, pages);
        Assert.Equal(new[] { fixture.ClinicCondition, fixture.ResolvedCondition, fixture.ReportedCondition }.Select(g => g.ToString("D")).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Each_entry_has_a_provenance_naming_who_put_it_on_the_card_with_the_events_hashes()
    {
        var client = fixture.Client();

        var clinic = await client.ReadAsync<Provenance>($"Provenance/{fixture.ClinicAllergy:D}");
        var reported = await client.ReadAsync<Provenance>($"Provenance/{fixture.ReportedCondition:D}");
        var all = await client.SearchAsync<Provenance>(pageSize: 200);

        FhirValidation.AssertValid(clinic!);
        FhirValidation.AssertValid(reported!);
        Assert.Equal("AllergyIntolerance/" + fixture.ClinicAllergy.ToString("D"), Assert.Single(clinic!.Target).Reference);
        Assert.Equal(fixture.CardClinic.Id.ToString("D"), Assert.Single(clinic.Agent).Who!.Identifier!.Value);
        var entity = Assert.Single(clinic.Entity);
        Assert.Matches("^[0-9a-f]{64}$", entity.What!.Identifier!.Value);
        Assert.Equal("Condition/" + fixture.ReportedCondition.ToString("D"), Assert.Single(reported!.Target).Reference);
        Assert.Equal("Patient/" + fixture.Patient.ToString("D"), Assert.Single(reported.Agent).Who!.Reference);
        Assert.Equal(5 + 4, all!.Total);
        Assert.Contains(all.Entry, e => e.Resource!.Id == fixture.ClinicCondition.ToString("D"));
    }

    [Fact]
    public async Task Another_patients_entries_are_not_found_and_a_link_does_not_read_the_card()
    {
        var client = fixture.Client();
        var link = fixture.Client(fixture.ShareToken);

        var asCondition = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<AllergyIntolerance>($"Condition/{fixture.ClinicAllergy:D}"));
        var unknown = await Assert.ThrowsAsync<FhirOperationException>(() => client.ReadAsync<Condition>($"Condition/{Guid.NewGuid():D}"));
        using var other = fixture.Host.ClientAs(Roles.Patient, fixture.Other);
        using var otherRead = await other.GetAsync(new Uri($"/fhir/r4/Condition/{fixture.ClinicCondition:D}", UriKind.Relative));
        using var otherSearch = await other.GetAsync(new Uri("/fhir/r4/Condition", UriKind.Relative));
        var shared = await Assert.ThrowsAsync<FhirOperationException>(() => link.SearchAsync<Condition>());
        var sharedEverything = (Bundle)(await link.InstanceOperationAsync(new Uri("Patient/" + fixture.Patient.ToString("D"), UriKind.Relative), "everything", useGet: true))!;

        Assert.Equal(HttpStatusCode.NotFound, asCondition.Status);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, otherRead.StatusCode);
        Assert.Contains("\"total\":0", await otherSearch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, shared.Status);
        Assert.DoesNotContain(sharedEverything.Entry, e => e.Resource is Condition or AllergyIntolerance);
        Assert.DoesNotContain(sharedEverything.Entry, e => e.Resource is Provenance p && p.Target.Any(t => t.Reference!.StartsWith("Condition/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Every_read_of_the_card_is_recorded()
    {
        var client = fixture.Client();
        var before = (await Seed.AccessesAsync(fixture.Host, fixture.Patient)).Count;

        await client.ReadAsync<Condition>($"Condition/{fixture.ClinicCondition:D}");
        await client.SearchAsync<AllergyIntolerance>();

        var accesses = (await Seed.AccessesAsync(fixture.Host, fixture.Patient)).Skip(before).ToList();
        Assert.Equal(2, accesses.Count);
        Assert.All(accesses, a => Assert.Equal((ActorKind.Patient, AccessChannel.Api), (a.Actor.Kind, a.Channel)));
        Assert.StartsWith("fhir read Condition", accesses[0].Purpose, StringComparison.Ordinal);
        Assert.StartsWith("fhir search AllergyIntolerance", accesses[1].Purpose, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_card_of_an_erased_patient_is_gone()
    {
        var snils = Seed.NewSnils();
        using var admin = fixture.Host.ClientAs(Roles.Admin, Guid.NewGuid());
        var registered = await System.Net.Http.Json.HttpClientJsonExtensions.PostAsJsonAsync(admin, "/api/v1/patients", Seed.RegisterBody(snils));
        var patient = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(registered.Content)).GetProperty("patientId").GetGuid();
        using (var delivered = await Ingestion.DeliveryHost.PostFhirAsync(fixture.CardClinic.Client, FhirFixture.CardBundle(snils)))
        {
            Assert.Equal(HttpStatusCode.Created, delivered.StatusCode);
        }

        var entry = App.Ingestion.IngestionTables.Derive("fhir", fixture.CardClinic.Id.ToString("N"), "condition", "c-diabetes");
        (await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null)).EnsureSuccessStatusCode();
        using var http = fixture.Host.ClientAs(Roles.Patient, patient);

        using var read = await http.GetAsync(new Uri($"/fhir/r4/Condition/{entry:D}", UriKind.Relative));
        using var search = await http.GetAsync(new Uri("/fhir/r4/AllergyIntolerance", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Gone, read.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, search.StatusCode);
        Assert.Contains("\"deleted\"", await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_recorded_in_error_is_read_as_entered_in_error_and_left_out_of_searches()
    {
        byte[] Delivery(string status) => System.Text.Encoding.UTF8.GetBytes((
            """{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000002","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"SNILS"}]}},"""
            + """{"resource":{"resourceType":"Condition","id":"c-error",STATUS,"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":"K29"}]},"subject":{"reference":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000002"}}}]}""")
                .Replace("SNILS", fixture.Snils, StringComparison.Ordinal).Replace("STATUS", status, StringComparison.Ordinal));
        using (var first = await Ingestion.DeliveryHost.PostFhirAsync(fixture.CardClinic.Client, Delivery("""
            "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]}
            """)))
        {
            Assert.True(first.IsSuccessStatusCode, await first.Content.ReadAsStringAsync());
        }

        using (var withdrawn = await Ingestion.DeliveryHost.PostFhirAsync(fixture.CardClinic.Client, Delivery("""
            "verificationStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-ver-status","code":"entered-in-error"}]}
            """)))
        {
            Assert.True(withdrawn.IsSuccessStatusCode, await withdrawn.Content.ReadAsStringAsync());
        }

        await Seed.CatchUpAsync(fixture.Host);
        var id = App.Ingestion.IngestionTables.Derive("fhir", fixture.CardClinic.Id.ToString("N"), "condition", "c-error").ToString("D");
        var client = fixture.Client();

        var read = await client.ReadAsync<Condition>("Condition/" + id);
        var search = await client.SearchAsync<Condition>();

        Assert.Equal("entered-in-error", Assert.Single(read!.VerificationStatus!.Coding).Code);
        Assert.Null(read.ClinicalStatus);
        FhirValidation.AssertValid(read);
        Assert.Equal(3, search!.Total);
        Assert.DoesNotContain(search.Entry, e => e.Resource!.Id == id);
    }
}
