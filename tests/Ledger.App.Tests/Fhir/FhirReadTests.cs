using Hl7.Fhir.Model;
using Hl7.Fhir.Rest;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.Fhir;

/// <summary>A stock Firely client reads every resource type, follows the paging links; every resource validates.</summary>
public sealed class FhirReadTests(FhirFixture fixture) : IClassFixture<FhirFixture>
{
    private static readonly string[] Served = ["AllergyIntolerance", "AuditEvent", "Condition", "Consent", "DiagnosticReport", "DocumentReference", "Immunization", "Observation", "Patient", "Provenance"];

    [Fact]
    public async Task The_capability_statement_states_exactly_what_is_served()
    {
        var client = fixture.Client();

        var statement = await client.CapabilityStatementAsync();

        FhirValidation.AssertValid(statement!);
        var rest = Assert.Single(statement!.Rest);
        Assert.Equal(Served, rest.Resource.Select(r => r.Type!).Order(StringComparer.Ordinal).ToArray());
        Assert.All(rest.Resource.Where(r => r.Type is "Condition" or "AllergyIntolerance"), r =>
        {
            Assert.Equal(["_count", "_offset", "clinical-status"], r.SearchParam.Select(p => p.Name!).Order(StringComparer.Ordinal).ToArray());
            Assert.Equal([CapabilityStatement.TypeRestfulInteraction.Read, CapabilityStatement.TypeRestfulInteraction.SearchType], r.Interaction.Select(i => i.Code!.Value).ToArray());
            Assert.Empty(r.SearchInclude);
        });
        var observation = rest.Resource.Single(r => r.Type == "Observation");
        Assert.Equal(["_count", "_offset", "category", "code", "date"], observation.SearchParam.Select(p => p.Name!).Order(StringComparer.Ordinal).ToArray());
        Assert.Contains(observation.Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.HistoryInstance);
        Assert.Equal(["DiagnosticReport:result"], rest.Resource.Single(r => r.Type == "DiagnosticReport").SearchInclude);
        Assert.Equal("everything", Assert.Single(rest.Resource.Single(r => r.Type == "Patient").Operation).Name);
        Assert.Equal(["application/fhir+json", "application/fhir+xml", "json", "xml"], statement.Format.Select(f => f!).Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task The_client_reads_every_resource_type_and_each_is_valid()
    {
        var client = fixture.Client();
        var read = new List<Resource>
        {
            (await client.ReadAsync<Patient>("Patient/" + fixture.Patient.ToString("D")))!,
            (await client.ReadAsync<Observation>($"Observation/{fixture.Reports[1]:D}-1"))!,
            (await client.ReadAsync<DiagnosticReport>($"DiagnosticReport/{fixture.Reports[1]:D}"))!,
            (await client.ReadAsync<DiagnosticReport>($"DiagnosticReport/{fixture.Study:D}"))!,
            (await client.ReadAsync<Immunization>($"Immunization/{fixture.Vaccination:D}"))!,
            (await client.ReadAsync<DocumentReference>($"DocumentReference/{fixture.Study:D}-a2"))!,
            (await client.ReadAsync<Consent>($"Consent/{fixture.Consent:D}"))!,
            (await client.ReadAsync<Condition>($"Condition/{fixture.ClinicCondition:D}"))!,
            (await client.ReadAsync<AllergyIntolerance>($"AllergyIntolerance/{fixture.ClinicAllergy:D}"))!,
            (await client.ReadAsync<Provenance>($"Provenance/{fixture.Reports[1]:D}"))!,
        };
        var journal = await client.SearchAsync<AuditEvent>();
        read.Add(journal!.Entry[0].Resource!);

        Assert.Equal(Served, read.Select(r => r.TypeName).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.All(read, FhirValidation.AssertValid);
        var patient = (Patient)read[0];
        Assert.Equal("Иванова", patient.Name[0].Family);
        Assert.Equal(fixture.Snils, patient.Identifier.Single(i => i.System == "urn:oid:1.2.643.100.3").Value);
        var file = (DocumentReference)read[5];
        Assert.Equal("image/jpeg", file.Content[0].Attachment!.ContentType);
        Assert.Equal("image.jpg", file.Content[0].Attachment!.Title);
        Assert.True(Uri.TryCreate(file.Content[0].Attachment!.Url, UriKind.Absolute, out var url));
        Assert.Equal($"/api/v1/patients/me/documents/{fixture.Study:D}/attachments/2", url!.AbsolutePath);
        Assert.StartsWith("ni:///sha-256;", file.MasterIdentifier!.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_search_and_everything_returns_valid_resources()
    {
        var client = fixture.Client();
        foreach (var type in Served)
        {
            var bundle = await client.SearchAsync(type);
            Assert.NotNull(bundle);
            Assert.NotEmpty(bundle!.Entry);
            FhirValidation.AssertValid(bundle);
        }

        var everything = (Bundle)(await client.InstanceOperationAsync(new Uri("Patient/" + fixture.Patient.ToString("D"), UriKind.Relative), "everything", useGet: true))!;

        FhirValidation.AssertValid(everything);
        Assert.Equal(Served, everything.Entry.Select(e => e.Resource!.TypeName).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(3 * 2, everything.Entry.Count(e => e.Resource is Observation));
    }

    [Fact]
    public async Task The_client_follows_the_paging_links_of_an_observation_search()
    {
        var client = fixture.Client();

        var page = await client.SearchAsync<Observation>(["code=http://loinc.org|2345-7,http://loinc.org|2093-3"], pageSize: 4);
        var pages = 0;
        var seen = new List<Observation>();
        while (page is not null)
        {
            pages++;
            Assert.Equal(6, page.Total);
            Assert.Equal(page.Link.Single(l => l.Relation == "self").Url, page.SelfLink!.OriginalString);
            Assert.Equal(fixture.Host.Clock.GetCurrentInstant().ToDateTimeOffset(), page.Meta!.LastUpdated);
            seen.AddRange(page.Entry.Select(e => e.Resource!).Cast<Observation>());
            page = await client.ContinueAsync(page);
        }

        Assert.Equal(2, pages);
        Assert.Equal(6, seen.Select(o => o.Id).Distinct().Count());
        var back = await client.SearchAsync<Observation>(["code=2345-7"], pageSize: 2);
        var second = await client.ContinueAsync(back!);
        Assert.NotNull(await client.ContinueAsync(second!, PageDirection.Previous));
        Assert.Contains(second!.Link, l => l.Relation == "previous");
    }

    [Fact]
    public async Task Observations_are_searched_by_code_date_and_category()
    {
        var client = fixture.Client();

        var glucose = await client.SearchAsync<Observation>(["code=http://loinc.org|2345-7"]);
        var onDay = await client.SearchAsync<Observation>(["code=2345-7", "date=2026-01-11"]);
        var range = await client.SearchAsync<Observation>(["date=ge2026-01-11", "date=lt2026-01-12T07:00:00Z"]);
        var after = await client.SearchAsync<Observation>(["date=gt2026-01-11"]);
        var lab = await client.SearchAsync<Observation>(["category=laboratory"]);
        var vitals = await client.SearchAsync<Observation>(["category=vital-signs"]);
        var otherSystem = await client.SearchAsync<Observation>(["code=urn:other|2345-7"]);

        Assert.Equal(3, glucose!.Total);
        Assert.All(glucose.Entry, e => Assert.Equal("2345-7", ((Observation)e.Resource!).Code!.Coding[0].Code));
        Assert.Equal(6.0m, ((Quantity)((Observation)Assert.Single(onDay!.Entry).Resource!).Value!).Value);
        Assert.Equal(2, range!.Total);
        Assert.All(range.Entry, e => Assert.Equal("2026-01-11T07:00:00+00:00", ((FhirDateTime)((Observation)e.Resource!).Effective!).Value));
        Assert.Equal(2, after!.Total);
        Assert.Equal(6, lab!.Total);
        Assert.Equal(0, vitals!.Total);
        Assert.Equal(0, otherSystem!.Total);
    }

    [Fact]
    public async Task A_report_includes_its_results_on_request()
    {
        var client = fixture.Client();

        var bundle = await client.SearchAsync<DiagnosticReport>(includes: ["DiagnosticReport:result"]);

        FhirValidation.AssertValid(bundle!);
        var reports = bundle!.Entry.Where(e => e.Search!.Mode == Bundle.SearchEntryMode.Match).Select(e => (DiagnosticReport)e.Resource!).ToList();
        var included = bundle.Entry.Where(e => e.Search!.Mode == Bundle.SearchEntryMode.Include).Select(e => e.Resource!.Id).ToHashSet();
        Assert.Equal(4, reports.Count);
        Assert.All(reports.SelectMany(r => r.Result), r => Assert.Contains(r.Reference!["Observation/".Length..], included));
        Assert.Equal(6, included.Count);
    }

    [Fact]
    public async Task A_corrected_observation_is_corrected_and_its_earlier_version_is_in_its_history()
    {
        var client = fixture.Client();
        var id = $"Observation/{fixture.Corrected:D}-1";

        var current = await client.ReadAsync<Observation>(id);
        var history = await client.HistoryAsync(id);
        var first = await client.ReadAsync<Observation>(id + "/_history/1");

        Assert.Equal(ObservationStatus.Corrected, current!.Status);
        Assert.Equal("2", current.Meta!.VersionId);
        Assert.Equal(4.4m, ((Quantity)current.Value!).Value);
        FhirValidation.AssertValid(history!);
        Assert.Equal(["2", "1"], history!.Entry.Select(e => e.Resource!.Meta!.VersionId!).ToArray());
        Assert.Equal(ObservationStatus.Final, first!.Status);
        Assert.Equal(5.0m, ((Quantity)first.Value!).Value);
        Assert.Equal("2", (await client.ReadAsync<DiagnosticReport>($"DiagnosticReport/{fixture.Corrected:D}"))!.Meta!.VersionId);
    }

    [Fact]
    public async Task The_lab_values_keep_their_codes_units_flags_and_ranges()
    {
        var client = fixture.Client();

        var o = await client.ReadAsync<Observation>($"Observation/{fixture.Reports[2]:D}-1");

        var coding = Assert.Single(o!.Code.Coding);
        Assert.Equal(("http://loinc.org", "2345-7"), (coding.System, coding.Code));
        var value = (Quantity)o.Value!;
        Assert.Equal((7.0m, "mmol/L", "http://unitsofmeasure.org", "mmol/L"), (value.Value!.Value, value.Unit, value.System, value.Code));
        var flag = Assert.Single(Assert.Single(o.Interpretation).Coding);
        Assert.Equal(("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "H"), (flag.System, flag.Code));
        var range = Assert.Single(o.ReferenceRange);
        Assert.Equal((3.9m, 6.1m), (range.Low!.Value!.Value, range.High!.Value!.Value));
        Assert.Equal("2026-01-12T07:00:00+00:00", ((FhirDateTime)o.Effective!).Value);
    }

    [Fact]
    public async Task Xml_is_answered_by_accept_and_by_format()
    {
        var client = fixture.Client(format: ResourceFormat.Xml);

        var patient = await client.ReadAsync<Patient>("Patient/" + fixture.Patient.ToString("D"));
        using var http = fixture.Host.ClientAs(Ledger.App.Security.Roles.Patient, fixture.Patient);
        using var byFormat = await http.GetAsync(new Uri($"/fhir/r4/Observation?_format=xml&code=2345-7", UriKind.Relative));
        using var byJson = await http.GetAsync(new Uri($"/fhir/r4/Observation?_format=application/fhir%2Bjson", UriKind.Relative));

        Assert.Equal(fixture.Patient.ToString("D"), patient!.Id);
        Assert.Equal("application/fhir+xml", byFormat.Content.Headers.ContentType!.MediaType);
        Assert.StartsWith("<Bundle xmlns=\"http://hl7.org/fhir\"", await byFormat.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("application/fhir+json", byJson.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", byJson.Headers.CacheControl!.ToString());
    }
}
