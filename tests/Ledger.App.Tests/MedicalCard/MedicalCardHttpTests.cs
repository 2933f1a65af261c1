using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Ledger.App.Ingestion;
using Ledger.App.Security;
using Ledger.App.Tests.Ingestion;
using Ledger.App.Tests.Patients;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.EventStore.Protection;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.MedicalCard;

/// <summary>
/// The medical card over HTTP: clinic entries delivered as FHIR JSON and XML, the patient's own reports, the card's
/// read (recorded), refusals that change nothing, and erasure.
/// </summary>
public sealed class MedicalCardHttpTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private const string IcdSystem = "http://hl7.org/fhir/sid/icd-10";

    private static string Condition(string id, string code, string display, string subject = "urn:uuid:5b0c0f7e-0000-4000-8000-000000000001") =>
        $$$$"""{"resourceType":"Condition","id":"{{{{id}}}}","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"coding":[{"system":"{{{{IcdSystem}}}}","code":"{{{{code}}}}","display":"{{{{display}}}}"}]},"subject":{"reference":"{{{{subject}}}}"},"onsetDateTime":"2019-05-14"}""";

    private static string Allergy(string id) =>
        $$$$"""{"resourceType":"AllergyIntolerance","id":"{{{{id}}}}","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical","code":"active"}]},"type":"allergy","category":["medication"],"criticality":"high","code":{"coding":[{"system":"http://snomed.info/sct","code":"91936005","display":"Allergy to penicillin"}]},"patient":{"reference":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001"}}""";

    private static byte[] Bundle(string snils, params string[] resources) => Encoding.UTF8.GetBytes(
        $$$$"""{"resourceType":"Bundle","type":"collection","entry":[{"fullUrl":"urn:uuid:5b0c0f7e-0000-4000-8000-000000000001","resource":{"resourceType":"Patient","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"{{{{snils}}}}"}]}}"""
        + string.Concat(resources.Select(r => ",{\"resource\":" + r + "}")) + "]}");

    private static byte[] ToXml(byte[] json) =>
        Encoding.UTF8.GetBytes(new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich)).Deserialize<Bundle>(Encoding.UTF8.GetString(json)).ToXml());

    private async Task<(Guid Patient, string Snils, HttpClient Client)> PatientAsync()
    {
        var snils = Seed.NewSnils();
        var response = await host.Admin.PostAsJsonAsync("/api/v1/patients", Seed.RegisterBody(snils));
        var patient = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid();
        return (patient, snils, host.Host.ClientAs(Roles.Patient, patient));
    }

    private async Task<JsonElement> CardAsync(HttpClient client)
    {
        await Seed.CatchUpAsync(host.Host);
        return await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/medical-card");
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("urn:ledger:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        return problem;
    }

    [Theory]
    [InlineData("application/fhir+json")]
    [InlineData("application/fhir+xml")]
    public async Task A_delivered_condition_and_allergy_appear_on_the_card_as_the_clinics(string contentType)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var (patient, snils, client) = await PatientAsync();
        var json = Bundle(snils, Condition("c1", "E11.9", "Сахарный диабет 2 типа"), Allergy("a1"));

        using var response = await DeliveryHost.PostFhirAsync(org.Client, contentType.EndsWith("xml", StringComparison.Ordinal) ? ToXml(json) : json, contentType);

        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var card = await CardAsync(client);
        Assert.Equal(patient, card.GetProperty("patientId").GetGuid());
        var condition = Assert.Single(card.GetProperty("conditions").EnumerateArray());
        var allergy = Assert.Single(card.GetProperty("allergies").EnumerateArray());
        Assert.Equal(IngestionTables.Derive("fhir", org.Id.ToString("N"), "condition", "c1"), condition.GetProperty("entryId").GetGuid());
        Assert.All(new[] { condition, allergy }, e =>
        {
            Assert.Equal("clinic", e.GetProperty("source").GetString());
            Assert.Equal(org.Id, e.GetProperty("organizationId").GetGuid());
            Assert.Equal(org.Name, e.GetProperty("organizationName").GetString());
        });
        Assert.Equal(("E11.9", IcdSystem, "2019-05-14"), (condition.GetProperty("code").GetString(), condition.GetProperty("codeSystem").GetString(), condition.GetProperty("onset").GetString()));
        Assert.Equal(("91936005", "allergy", "high"), (allergy.GetProperty("code").GetString(), allergy.GetProperty("allergyType").GetString(), allergy.GetProperty("criticality").GetString()));
    }

    [Fact]
    public async Task A_diagnostic_report_bundle_delivered_as_xml_maps_exactly_as_its_json_twin()
    {
        var byJson = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var byXml = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var (_, snils, client) = await PatientAsync();
        var bundle = JsonNode.Parse(Fixtures.Fhir("bundle-lipids.json"))!;
        bundle["entry"]!.AsArray().Add(JsonNode.Parse($$$$"""{"fullUrl":"https://example.com/base/Patient/pat2","resource":{"resourceType":"Patient","id":"pat2","identifier":[{"system":"urn:oid:1.2.643.100.3","value":"{{{{snils}}}}"}]}}"""));
        var json = Encoding.UTF8.GetBytes(bundle.ToJsonString());

        using var first = await DeliveryHost.PostFhirAsync(byJson.Client, json);
        using var second = await DeliveryHost.PostFhirAsync(byXml.Client, ToXml(json), "application/fhir+xml");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await Seed.CatchUpAsync(host.Host);
        var fromJson = await client.GetFromJsonAsync<JsonElement>($"/api/v1/patients/me/documents/{DeliveryHost.FhirDocumentId(byJson.Id, "lab", "lipids")}");
        var fromXml = await client.GetFromJsonAsync<JsonElement>($"/api/v1/patients/me/documents/{DeliveryHost.FhirDocumentId(byXml.Id, "lab", "lipids")}");
        Assert.Equal(fromJson.GetProperty("documentType").GetString(), fromXml.GetProperty("documentType").GetString());
        Assert.Equal(fromJson.GetProperty("status").GetString(), fromXml.GetProperty("status").GetString());
        Assert.Equal(fromJson.GetProperty("content").GetRawText().Replace(byJson.Id.ToString("D"), byXml.Id.ToString("D"), StringComparison.Ordinal), fromXml.GetProperty("content").GetRawText());
        Assert.Equal(4, fromXml.GetProperty("content").GetProperty("panels")[0].GetProperty("observations").GetArrayLength());
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("application/fhir+json", """{"resourceType":"Condition","id":"c1",""")]
    [InlineData("application/fhir+xml", """<Condition xmlns="http://hl7.org/fhir"><id value="c1"/>""")]
    public async Task A_malformed_delivery_is_answered_with_an_outcome_in_its_format_and_changes_nothing(string contentType, string body)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var before = await host.EventCountAsync();

        using var response = await DeliveryHost.PostFhirAsync(org.Client, Encoding.UTF8.GetBytes(body), contentType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("OperationOutcome", text, StringComparison.Ordinal);
        Assert.Contains(contentType.EndsWith("xml", StringComparison.Ordinal) ? "<OperationOutcome xmlns=\"http://hl7.org/fhir\"" : "\"resourceType\":\"OperationOutcome\"", text, StringComparison.Ordinal);
        Assert.Contains("structure", text, StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_card_entry_for_a_patient_the_ledger_does_not_know_is_refused_and_not_kept()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var before = await host.EventCountAsync();
        var pendingBefore = await host.ScalarAsync("SELECT count(*) FROM ledger.mt_events");

        using var response = await DeliveryHost.PostFhirAsync(org.Client, Bundle(Seed.NewSnils(), Condition("c-unknown", "I10", "Гипертензия")));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var issue = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("issue")[0];
        Assert.Equal("Condition.subject", issue.GetProperty("expression")[0].GetString());
        Assert.Contains("no cabinet", issue.GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
        Assert.Equal(pendingBefore, await host.ScalarAsync("SELECT count(*) FROM ledger.mt_events"));
    }

    [Fact]
    public async Task A_patient_reports_a_condition_kept_apart_from_the_clinics_entry_of_the_same_condition()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var (_, snils, client) = await PatientAsync();
        (await DeliveryHost.PostFhirAsync(org.Client, Bundle(snils, Condition("c1", "E11.9", "Сахарный диабет 2 типа")))).EnsureSuccessStatusCode();

        using var response = await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { code = "E11.9", codeSystem = IcdSystem, codeDisplay = "Сахарный диабет 2 типа", onset = "2019-05-01", note = "с 2019 года" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/v1/patients/me/medical-card", response.Headers.Location!.OriginalString);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(answer.GetProperty("created").GetBoolean());
        var card = await CardAsync(client);
        var conditions = card.GetProperty("conditions").EnumerateArray().ToList();
        Assert.Equal(2, conditions.Count);
        Assert.All(conditions, c => Assert.Equal("E11.9", c.GetProperty("code").GetString()));
        var reported = Assert.Single(conditions, c => c.GetProperty("source").GetString() == "patient");
        var clinic = Assert.Single(conditions, c => c.GetProperty("source").GetString() == "clinic");
        Assert.Equal(answer.GetProperty("entryId").GetGuid(), reported.GetProperty("entryId").GetGuid());
        Assert.False(reported.TryGetProperty("organizationId", out var none) && none.ValueKind != JsonValueKind.Null);
        Assert.Equal(("active", "unconfirmed", "2019-05-01", "с 2019 года"), (reported.GetProperty("clinicalStatus").GetString(), reported.GetProperty("verificationStatus").GetString(), reported.GetProperty("onset").GetString(), reported.GetProperty("note").GetString()));
        Assert.Equal(org.Id, clinic.GetProperty("organizationId").GetGuid());
        Assert.Equal("2019-05-14", clinic.GetProperty("onset").GetString());
    }

    [Fact]
    public async Task A_repeated_report_with_the_same_idempotency_key_is_stored_once()
    {
        var (_, _, client) = await PatientAsync();

        async Task<HttpResponseMessage> ReportAsync()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/patients/me/medical-card/conditions", UriKind.Relative)) { Content = JsonContent.Create(new { text = "мигрень" }) };
            request.Headers.Add("Idempotency-Key", "report-migraine-1");
            return await client.SendAsync(request);
        }

        using var first = await ReportAsync();
        using var second = await ReportAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<JsonElement>();
        var b = await second.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(a.GetProperty("entryId").GetGuid(), b.GetProperty("entryId").GetGuid());
        Assert.False(b.GetProperty("created").GetBoolean());
        var entry = Assert.Single((await CardAsync(client)).GetProperty("conditions").EnumerateArray());
        Assert.Equal("мигрень", entry.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("""{"note":"без кода"}""", "text")]
    [InlineData("""{"code":"E11.9"}""", "codeSystem")]
    [InlineData("""{"text":"мигрень","clinicalStatus":"cured"}""", "clinicalStatus")]
    [InlineData("""{"text":"мигрень","onset":"14.05.2019"}""", "onset")]
    [InlineData("""{"text":5}""", "text")]
    public async Task A_report_with_a_bad_field_is_refused_naming_it_and_changes_nothing(string body, string field)
    {
        var (_, _, client) = await PatientAsync();
        var before = await host.EventCountAsync();

        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(new Uri("/api/v1/patients/me/medical-card/conditions", UriKind.Relative), content);

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(field, problem.GetProperty("field").GetString());
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_report_with_an_onset_after_today_is_refused_by_the_card()
    {
        var (_, _, client) = await PatientAsync();
        var before = await host.EventCountAsync();
        var tomorrow = host.Host.Clock.GetCurrentInstant().Plus(NodaTime.Duration.FromDays(2)).InUtc().Date;

        using var response = await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { text = "мигрень", onset = tomorrow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) });

        await ProblemAsync(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Theory]
    [InlineData(Roles.Organization)]
    [InlineData(Roles.Doctor)]
    public async Task Only_a_patient_reads_the_card_or_reports_a_condition(string role)
    {
        using var client = host.Host.ClientAs(role, Guid.NewGuid());
        var before = await host.EventCountAsync();

        using var read = await client.GetAsync(new Uri("/api/v1/patients/me/medical-card", UriKind.Relative));
        using var report = await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { text = "мигрень" });
        using var anonymous = host.Host.Anonymous();
        using var unauthenticated = await anonymous.GetAsync(new Uri("/api/v1/patients/me/medical-card", UriKind.Relative));

        await ProblemAsync(read, HttpStatusCode.Forbidden);
        await ProblemAsync(report, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task Reading_the_card_is_recorded_in_the_patients_access_journal()
    {
        var (patient, _, client) = await PatientAsync();
        var before = (await Seed.AccessesAsync(host.Host, patient)).Count;

        using var response = await client.GetAsync(new Uri("/api/v1/patients/me/medical-card", UriKind.Relative));

        response.EnsureSuccessStatusCode();
        var access = Assert.Single((await Seed.AccessesAsync(host.Host, patient)).Skip(before));
        Assert.Equal((ActorKind.Patient, AccessChannel.Web), (access.Actor.Kind, access.Channel));
        Assert.StartsWith("view medical card", access.Purpose, StringComparison.Ordinal);
        Assert.Null(access.DocumentId);
    }

    [Fact]
    public async Task Erasing_the_patient_purges_the_card_and_shreds_its_events()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var (patient, snils, client) = await PatientAsync();
        (await DeliveryHost.PostFhirAsync(org.Client, Bundle(snils, Condition("c1", "E11.9", "Сахарный диабет 2 типа"), Allergy("a1")))).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { text = "мигрень" })).EnsureSuccessStatusCode();
        await Seed.CatchUpAsync(host.Host);
        var rows = $"SELECT count(*) FROM ledger.medical_card_entries WHERE patient_id = '{patient:D}'";
        Assert.Equal(3, await host.ScalarAsync(rows));

        (await host.Admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null)).EnsureSuccessStatusCode();
        await Seed.CatchUpAsync(host.Host);

        Assert.Equal(0, await host.ScalarAsync(rows));
        Assert.True(await host.Host.Services.GetRequiredService<DataKeyProtector>().IsDestroyedAsync(patient));
        var stream = await host.Store.ReadStreamAsync(StreamIds.MedicalCard(new Domain.Identifiers.PatientId(patient)));
        Assert.Equal(3, stream.Count);
        Assert.All(stream, e => Assert.True(e.IsErased));
        await ProblemAsync(await client.GetAsync(new Uri("/api/v1/patients/me/medical-card", UriKind.Relative)), HttpStatusCode.NotFound);
        await ProblemAsync(await client.PostAsJsonAsync("/api/v1/patients/me/medical-card/conditions", new { text = "мигрень" }), HttpStatusCode.NotFound);
    }
}
