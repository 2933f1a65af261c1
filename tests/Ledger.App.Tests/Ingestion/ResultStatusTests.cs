using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.Domain.Results;
using Ledger.Hl7v2;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>
/// The status a delivered document starts with (docs/ingestion-mapping.md, "Result status"), checked on the third-party
/// fixtures as published and on copies edited here to carry a sign-off (the edit is named in each test).
/// </summary>
public sealed class ResultStatusTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private const string Cbc = "fhir-converter_LRI_2.0-NG_CBC_Typ_Message.hl7";

    public static TheoryData<string, ResultStatus> Published { get; } = new()
    {
        { "cdc-dex_2.3.1_HL7_Test_File_with_HHS_Data.hl7", ResultStatus.Ready },
        { "cdc-dex_CELR_TX_ATVersion231.hl7", ResultStatus.Ready },
        { "cdc-dex_CaseLab_002.hl7", ResultStatus.Ready },
        { "cdc-dex_MI_v23_Valid_2.hl7", ResultStatus.Ready },
        { "fhir-converter_ORU-R01-RMGEAD.hl7", ResultStatus.Ready },
        { Cbc, ResultStatus.Ready },
        { "fhir-converter_LAB-ORU-1.hl7", ResultStatus.Pending },
        { "cdc-dex_Tuleremia.hl7", ResultStatus.Pending },
    };

    private async Task<ResultState> DeliverHl7Async(byte[] message)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var response = await DeliveryHost.PostHl7Async(org.Client, message);
        var ack = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK && DeliveryHost.AckCode(ack) == "AA", ack);
        return await host.DocumentAsync(DeliveryHost.Hl7DocumentId(org.Id, OruMapper.Parse(message).SourceId!));
    }

    private async Task<ResultState> DeliverFhirAsync(JsonNode body, string kind, string id)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var response = await DeliveryHost.PostFhirAsync(org.Client, Encoding.UTF8.GetBytes(body.ToJsonString()));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await host.DocumentAsync(DeliveryHost.FhirDocumentId(org.Id, kind, id));
    }

    [Theory]
    [MemberData(nameof(Published))]
    public async Task A_published_hl7_message_starts_with_the_status_of_its_obr_25_and_obx_11(string fixture, ResultStatus expected)
    {
        // OBR-25 F (or C, or absent) with every observation F is ready; OBX-11 P or I, or OBR-25 X, keeps it pending.
        var state = await DeliverHl7Async(Fixtures.Hl7(fixture));

        Assert.Equal(expected, state.Status);
    }

    [Fact]
    public async Task An_hl7_report_signed_in_obr_32_with_a_time_is_confirmed()
    {
        // Edited copy: OBR-32 of the NIST CBC set to its ordering provider in the NDL form, with OBR-22 as the time.
        var message = Hl7DeliveryTests.EditSegment(Fixtures.Hl7(Cbc), "OBR", 32, "57422&Radon&Nicholas^20110104170028-0800");

        var state = await DeliverHl7Async(message);
        await Patients.Seed.CatchUpAsync(host.Host);

        Assert.Equal(ResultStatus.Confirmed, state.Status);
        Assert.Equal(1, await host.ScalarAsync($"SELECT count(*) FROM ledger.cabinet_documents WHERE document_id = '{state.DocumentId.Value}' AND status = 'confirmed'"));
    }

    [Fact]
    public async Task An_hl7_report_whose_every_observation_has_a_responsible_observer_and_an_analysis_time_is_confirmed()
    {
        // Edited copy: OBX-16 of every OBX of the NIST CBC set; their OBX-19 (analysis time) is as published.
        var message = Hl7DeliveryTests.EditSegment(Fixtures.Hl7(Cbc), "OBX", 16, "57422^Radon^Nicholas");

        var state = await DeliverHl7Async(message);

        Assert.Equal(ResultStatus.Confirmed, state.Status);
    }

    [Fact]
    public async Task A_principal_interpreter_without_a_time_is_not_a_signature()
    {
        // Edited copy: OBR-32 in the XCN form (no time component), as ruby-hl7's obxobr sends it.
        var message = Hl7DeliveryTests.EditSegment(Fixtures.Hl7(Cbc), "OBR", 32, "57422^Radon^Nicholas");

        var state = await DeliverHl7Async(message);

        Assert.Equal(ResultStatus.Ready, state.Status);
    }

    [Fact]
    public async Task A_signed_correction_confirms_the_document_and_an_unsigned_one_takes_it_back_to_ready()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var original = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "SIGN-1");
        var signed = DeliveryHost.WithControlId(
            Hl7DeliveryTests.EditSegment(Hl7DeliveryTests.EditSegment(original, "OBR", 25, "C"), "OBR", 32, "555-55-5555&PRIMARY&PATRICIA P^200202150930"), "SIGN-2");
        var unsigned = DeliveryHost.WithControlId(Hl7DeliveryTests.EditSegment(original, "OBR", 25, "C"), "SIGN-3");
        var document = DeliveryHost.Hl7DocumentId(org.Id, "SIGN-1");
        var statuses = new List<ResultStatus>();
        foreach (var message in new[] { original, signed, unsigned })
        {
            Assert.Equal("AA", DeliveryHost.AckCode(await (await DeliveryHost.PostHl7Async(org.Client, message)).Content.ReadAsStringAsync()));
            statuses.Add((await host.DocumentAsync(document)).Status);
        }

        Assert.Equal([ResultStatus.Ready, ResultStatus.Confirmed, ResultStatus.Ready], statuses);
    }

    [Fact]
    public async Task The_sender_confirms_a_ready_document_explicitly_and_nobody_else_can()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var other = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var ready = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "CONFIRM-1");
        var pending = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_LAB-ORU-1.hl7"), "CONFIRM-2");
        foreach (var message in new[] { ready, pending })
        {
            Assert.Equal("AA", DeliveryHost.AckCode(await (await DeliveryHost.PostHl7Async(org.Client, message)).Content.ReadAsStringAsync()));
        }

        var readyId = DeliveryHost.Hl7DocumentId(org.Id, "CONFIRM-1");
        var pendingId = DeliveryHost.Hl7DocumentId(org.Id, "CONFIRM-2");
        Uri Confirm(Guid id) => new($"/api/v1/ingest/documents/{id}/confirm", UriKind.Relative);

        var byOther = await other.Client.PostAsync(Confirm(readyId), null);
        var confirmed = await org.Client.PostAsync(Confirm(readyId), null);
        var again = await org.Client.PostAsync(Confirm(readyId), null);
        var preliminary = await org.Client.PostAsync(Confirm(pendingId), null);

        Assert.Equal(HttpStatusCode.NotFound, byOther.StatusCode);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Equal("\"3\"", confirmed.Headers.ETag?.Tag);
        Assert.Equal(ResultStatus.Confirmed, (await host.DocumentAsync(readyId)).Status);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Contains("\"changed\":false", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, preliminary.StatusCode);
        Assert.Contains("result.not_final", await preliminary.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(ResultStatus.Pending, (await host.DocumentAsync(pendingId)).Status);
    }

    [Fact]
    public async Task A_final_fhir_report_is_ready_and_with_a_results_interpreter_confirmed()
    {
        var published = JsonNode.Parse(Fixtures.Fhir("bundle-lipids.json"))!;
        var interpreted = published.DeepClone();

        // Edited copy: resultsInterpreter added to the lipid report (the published one names only its performer).
        var report = interpreted["entry"]!.AsArray().Select(e => e!["resource"]!).Single(r => (string?)r["resourceType"] == "DiagnosticReport");
        report["resultsInterpreter"] = new JsonArray(new JsonObject { ["reference"] = "Practitioner/example", ["display"] = "Dr Adam Careful" });

        Assert.Equal(ResultStatus.Ready, (await DeliverFhirAsync(published, "lab", "lipids")).Status);
        Assert.Equal(ResultStatus.Confirmed, (await DeliverFhirAsync(interpreted, "lab", "lipids")).Status);
    }

    [Fact]
    public async Task A_final_observation_and_a_completed_immunization_are_ready_and_a_preliminary_one_pending()
    {
        var preliminary = JsonNode.Parse(Fixtures.Fhir("observation-example-f001-glucose.json"))!;
        preliminary["status"] = "preliminary";

        Assert.Equal(ResultStatus.Ready, (await DeliverFhirAsync(JsonNode.Parse(Fixtures.Fhir("observation-example-f001-glucose.json"))!, "lab", "f001")).Status);
        Assert.Equal(ResultStatus.Ready, (await DeliverFhirAsync(JsonNode.Parse(Fixtures.Fhir("immunization-example.json"))!, "vaccination", "example")).Status);
        Assert.Equal(ResultStatus.Pending, (await DeliverFhirAsync(preliminary, "lab", "f001")).Status);
    }
}
