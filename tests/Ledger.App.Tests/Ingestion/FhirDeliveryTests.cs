using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ledger.Domain.Results;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class FhirDeliveryTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private static readonly string Pdf = Convert.ToBase64String("%PDF-1.4 test"u8.ToArray());

    private static async Task<JsonElement> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType!.MediaType);
        var outcome = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("OperationOutcome", outcome.GetProperty("resourceType").GetString());
        return outcome;
    }

    [Fact]
    public async Task The_lipid_bundle_is_stored_field_by_field()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);

        var response = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("bundle-lipids.json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await OutcomeAsync(response);
        var state = await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "lab", "lipids"));
        var report = Assert.IsType<LabReport>(state.Current);
        Assert.NotNull(state.Patient!.IdentifierDigest);
        Assert.Equal("5234342", report.OrderNumber);
        Assert.Equal(Instant.FromUtc(2011, 3, 3, 21, 30), report.CollectedAt);
        Assert.Equal(Instant.FromUtc(2013, 1, 27, 0, 45, 33), report.IssuedAt);
        Assert.Equal("Acme Laboratory, Inc", report.ResponsibleSpecialist);
        var panel = Assert.Single(report.Panels);
        Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, "57698-3"), panel.Code);
        Assert.Equal("Lipid panel with direct LDL - Serum or Plasma", panel.Name);
        var expected = new (string Code, decimal Value, decimal? Low, decimal? High)[]
        {
            ("35200-5", 6.3m, null, 4.5m), ("35217-9", 1.3m, null, 2.0m), ("2085-9", 1.3m, 1.5m, null), ("13457-7", 4.6m, null, 3.0m),
        };
        Assert.Equal(4, panel.Observations.Count);
        for (var i = 0; i < 4; i++)
        {
            var o = panel.Observations[i];
            Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, expected[i].Code), o.Code);
            Assert.Equal(expected[i].Value, o.Value);
            Assert.Equal("mmol/L", o.Unit!.Code);
            Assert.Equal(new Domain.Results.ReferenceRange(expected[i].Low, expected[i].High, null), o.ReferenceRange);
            Assert.Null(o.Flag);
            Assert.Equal(ObservationStatus.Final, o.Status);
        }

        Assert.Equal("HDL Cholesterol", panel.Observations[2].Name);
    }

    [Theory]
    [InlineData("observation-example-f001-glucose.json", "f001", "15074-8", "Glucose [Moles/volume] in Blood", "6.3", "mmol/L", "3.1", "6.2", "H", "2013-04-02T08:30:10Z")]
    [InlineData("observation-example-f002-excess.json", "f002", "11555-0", "Base excess in Blood by calculation", "12.6", "mmol/L", "7.1", "11.2", "H", "2013-04-02T09:30:10Z")]
    [InlineData("observation-example-f003-co2.json", "f003", "11557-6", "Carbon dioxide in blood", "6.2", "kPa", "4.8", "6.0", "H", "2013-04-02T09:30:10Z")]
    [InlineData("observation-example-f005-hemoglobin.json", "f005", "718-7", "Hemoglobin [Mass/volume] in Blood", "7.2", "g/dL", "7.5", "10", "L", "2013-04-05T09:30:10Z")]
    public async Task A_single_observation_is_stored_field_by_field(
        string file, string id, string loinc, string display, string value, string unit, string low, string high, string flag, string effective)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);

        var response = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir(file));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var report = Assert.IsType<LabReport>((await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "lab", id))).Current);
        var at = NodaTime.Text.InstantPattern.General.Parse(effective).Value;
        Assert.Equal(at, report.CollectedAt);
        Assert.Equal("A. Langeveld", report.ResponsibleSpecialist);
        var o = Assert.Single(Assert.Single(report.Panels).Observations);
        Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, loinc), o.Code);
        Assert.Equal(display, o.Name);
        Assert.Equal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), o.Value);
        Assert.Equal(unit, o.Unit!.Code);
        Assert.Equal(decimal.Parse(low, System.Globalization.CultureInfo.InvariantCulture), o.ReferenceRange!.Low);
        Assert.Equal(decimal.Parse(high, System.Globalization.CultureInfo.InvariantCulture), o.ReferenceRange.High);
        Assert.Equal(flag, o.Flag!.Code);
        Assert.Equal(ObservationStatus.Final, o.Status);
    }

    [Fact]
    public async Task The_erythrocyte_observation_keeps_its_text_range()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);

        var response = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f004-erythrocyte.json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var report = Assert.IsType<LabReport>((await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "lab", "f004"))).Current);
        var o = Assert.Single(Assert.Single(report.Panels).Observations);
        Assert.Equal("789-8", o.Code.Code);
        Assert.NotNull(o.ReferenceRange!.Text);
    }

    [Fact]
    public async Task The_immunization_is_stored_as_a_vaccination()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);

        var response = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("immunization-example.json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var v = Assert.IsType<Vaccination>((await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "vaccination", "example"))).Current);
        Assert.Equal(new LocalDate(2013, 1, 10), v.Date);
        Assert.Equal("Fluvax (Influenza)", v.Vaccine);
        Assert.Equal("AAJN11K", v.Series);
        Assert.Equal(1, v.DoseNumber);
        Assert.Equal(org.Id, v.Organization.Value);
    }

    [Fact]
    public async Task A_study_and_a_visit_protocol_with_a_snils_are_stored()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var json = $$$"""
            {"resourceType":"Bundle","type":"collection","entry":[
              {"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"112-233-445 95"}]}},
              {"resource":{"resourceType":"DiagnosticReport","id":"ct1","status":"final",
                "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
                "code":{"coding":[{"system":"http://loinc.org","code":"24627-2","display":"CT Chest"}]},
                "subject":{"reference":"urn:uuid:p1"},"effectiveDateTime":"2024-03-01T10:00:00+03:00","issued":"2024-03-01T12:00:00Z",
                "conclusion":"No focal lesions.","resultsInterpreter":[{"reference":"Practitioner/r1","display":"Иванов И. И."}],
                "presentedForm":[{"contentType":"image/png","data":"{{{Pdf}}}","title":"Протокол КТ"}]}},
              {"resource":{"resourceType":"Composition","id":"v1","status":"final",
                "type":{"coding":[{"system":"http://loinc.org","code":"11506-3","display":"Progress note"}]},
                "subject":{"reference":"urn:uuid:p1"},
                "date":"2024-02-03T09:15:00+03:00","title":"Приём терапевта",
                "author":[{"reference":"Practitioner/d1","display":"Петрова А. А."}],
                "section":[{"title":"Жалобы","text":{"status":"generated","div":"<div xmlns=\"http://www.w3.org/1999/xhtml\">Кашель</div>"}}]}}]}
            """;

        var response = await DeliveryHost.PostFhirAsync(org.Client, Encoding.UTF8.GetBytes(json));

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var study = await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "study", "ct1"));
        var s = Assert.IsType<InstrumentalStudy>(study.Current);
        Assert.Equal("No focal lesions.", s.Conclusion);
        Assert.Equal("Иванов И. И.", s.Specialist);
        Assert.Equal(Instant.FromUtc(2024, 3, 1, 7, 0), s.PerformedAt);
        var attachment = Assert.Single(s.Attachments);
        Assert.Equal(AttachmentContentType.Pdf, attachment.ContentType);
        Assert.Equal(13, attachment.SizeBytes);
        Assert.NotNull(study.Patient!.IdentifierDigest);
        var visit = Assert.IsType<VisitProtocol>((await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, "visit", "v1"))).Current);
        Assert.Equal("Петрова А. А.", visit.Doctor);
        Assert.Equal("Progress note", visit.Specialty);
        Assert.Contains("Кашель", visit.Recommendations, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bundle_with_one_bad_document_appends_nothing()
    {
        var bundle = Bundle(null, "observation-example-f001-glucose.json", "observation-example-f002-excess.json");
        // The fixture's effectivePeriod goes: two values of one choice element are refused as a duplicate property.
        bundle["entry"]!.AsArray()[1]!["resource"]!.AsObject().Remove("effectivePeriod");
        bundle["entry"]!.AsArray()[1]!["resource"]!["effectiveDateTime"] = "2099-01-01T00:00:00Z";
        bundle["entry"]!.AsArray()[1]!["resource"]!.AsObject().Remove("issued");
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Encoding.UTF8.GetBytes(bundle.ToJsonString()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var outcome = await OutcomeAsync(response);
        Assert.Equal("error", outcome.GetProperty("issue")[0].GetProperty("severity").GetString());
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Theory]
    [InlineData("patient-example-f001-pieter.json")]
    [InlineData("consent-example-signature.json")]
    [InlineData("audit-event-example-login.json")]
    [InlineData("diagnosticreport-example-f001-bloodexam.json")]
    public async Task A_fixture_with_nothing_to_store_is_400_naming_the_path_and_appends_nothing(string fixture)
    {
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Fixtures.Fhir(fixture));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var issue = (await OutcomeAsync(response)).GetProperty("issue")[0];
        Assert.NotEmpty(issue.GetProperty("expression")[0].GetString()!);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_repeated_bundle_identifier_returns_the_first_outcome_and_appends_nothing()
    {
        var body = Encoding.UTF8.GetBytes(Bundle("urn:uuid:7f1c9d0e-0001-4000-8000-000000000001", "observation-example-f001-glucose.json", "observation-example-f003-co2.json", "immunization-example.json").ToJsonString());
        var first = await DeliveryHost.PostFhirAsync(host.Lab.Client, body);
        var firstBody = await first.Content.ReadAsStringAsync();
        var after = await host.EventCountAsync();

        var second = await DeliveryHost.PostFhirAsync(host.Lab.Client, body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Contains("stored 3 document(s)", firstBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync());
        Assert.Equal(after, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_first_outcome_and_appends_nothing()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var first = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f002-excess.json"), idempotencyKey: "fhir-key-1");
        var firstBody = await first.Content.ReadAsStringAsync();
        var after = await host.EventCountAsync();

        var second = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f005-hemoglobin.json"), idempotencyKey: "fhir-key-1");

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync());
        Assert.Equal(after, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_repeat_without_any_key_is_recognised_by_the_resource_ids()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        Assert.Equal(HttpStatusCode.Created, (await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f003-co2.json"))).StatusCode);
        var after = await host.EventCountAsync();

        var second = await DeliveryHost.PostFhirAsync(org.Client, Fixtures.Fhir("observation-example-f003-co2.json"));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(after, await host.EventCountAsync());
    }

    [Fact]
    public async Task An_attachment_that_is_not_a_known_file_type_is_refused()
    {
        var json = $$$"""
            {"resourceType":"DiagnosticReport","id":"ct9","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
             "code":{"text":"CT"},"subject":{"reference":"Patient/x"},"effectiveDateTime":"2024-03-01T10:00:00+03:00",
             "conclusion":"ok","presentedForm":[{"contentType":"application/pdf","data":"{{{Convert.ToBase64String("MZ not a pdf"u8.ToArray())}}}"}]}
            """;
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Encoding.UTF8.GetBytes(json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("DiagnosticReport.presentedForm.data", (await OutcomeAsync(response)).GetProperty("issue")[0].GetProperty("expression")[0].GetString());
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task An_attachment_over_the_limit_is_413()
    {
        var big = new byte[(5 * 1024 * 1024) + 1];
        "%PDF"u8.CopyTo(big);
        var json = $$$"""
            {"resourceType":"DiagnosticReport","id":"ct10","status":"final",
             "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0074","code":"RAD"}]}],
             "code":{"text":"CT"},"subject":{"reference":"Patient/x"},"effectiveDateTime":"2024-03-01T10:00:00+03:00",
             "conclusion":"ok","presentedForm":[{"contentType":"application/pdf","data":"{{{Convert.ToBase64String(big)}}}"}]}
            """;
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Encoding.UTF8.GetBytes(json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("too-costly", (await OutcomeAsync(response)).GetProperty("issue")[0].GetProperty("code").GetString());
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    public async Task Another_content_type_is_415(string contentType)
    {
        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, Fixtures.Fhir("observation-example-f001-glucose.json"), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413()
    {
        var body = Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"note\":[{\"text\":\"" + new string('x', 9 * 1024 * 1024) + "\"}]}");

        var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    /// <summary>A collection Bundle of fixtures, with an identifier when given.</summary>
    public static JsonObject Bundle(string? identifier, params string[] fixtures)
    {
        var bundle = new JsonObject { ["resourceType"] = "Bundle", ["type"] = "collection" };
        if (identifier is not null)
        {
            bundle["identifier"] = new JsonObject { ["system"] = "urn:ietf:rfc:3986", ["value"] = identifier };
        }

        bundle["entry"] = new JsonArray(fixtures.Select(f => (JsonNode)new JsonObject { ["resource"] = JsonNode.Parse(Fixtures.Fhir(f)) }).ToArray());
        return bundle;
    }
}
