using System.Net;
using System.Text;
using Ledger.App.Ingestion;
using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.App.Streams;
using Ledger.Domain.Results;
using Ledger.Hl7v2;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class Hl7DeliveryTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    public static TheoryData<string> Storable { get; } =
    [
        "cdc-dex_2.3.1_HL7_Test_File_with_HHS_Data.hl7",
        "cdc-dex_CELR_TX_ATVersion231.hl7",
        "cdc-dex_CaseLab_002.hl7",
        "cdc-dex_MI_v23_Valid_2.hl7",
        "cdc-dex_Tuleremia.hl7",
        "fhir-converter_LAB-ORU-1.hl7",
        "fhir-converter_LRI_2.0-NG_CBC_Typ_Message.hl7",
        "fhir-converter_ORU-R01-RMGEAD.hl7",
    ];

    private static Instant Utc(int y, int mo, int d, int h, int mi, int s = 0) => Instant.FromUtc(y, mo, d, h, mi, s);

    private async Task<(LabReport Report, ResultState State, string Ack)> DeliverAsync(string fixture)
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var response = await DeliveryHost.PostHl7Async(org.Client, Fixtures.Hl7(fixture));
        var ack = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, ack);
        Assert.Equal("application/hl7-v2", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("AA", DeliveryHost.AckCode(ack));
        var controlId = OruMapper.Parse(Fixtures.Hl7(fixture)).SourceId!;
        var state = await host.DocumentAsync(DeliveryHost.Hl7DocumentId(org.Id, controlId));
        Assert.True(state.Exists);
        Assert.Equal(org.Id, state.Sender.Value);
        Assert.Equal(controlId, state.Versions[0].DeliveryId);
        return (Assert.IsType<LabReport>(state.Current), state, ack);
    }

    [Fact]
    public async Task Rmgead_is_stored_field_by_field()
    {
        var (report, state, ack) = await DeliverAsync("fhir-converter_ORU-R01-RMGEAD.hl7");

        Assert.Contains("MSA|AA|CNTRL-3456", ack, StringComparison.Ordinal);
        Assert.NotNull(state.Patient!.IdentifierDigest);
        Assert.Null(state.Patient.PatientId);
        Assert.Equal("845439", report.OrderNumber);
        Assert.Equal(Utc(2002, 2, 15, 1, 30), report.CollectedAt);
        Assert.Equal(Utc(2002, 2, 15, 1, 30), report.IssuedAt);
        Assert.Equal("PRIMARY PATRICIA P", report.ResponsibleSpecialist);
        var panel = Assert.Single(report.Panels);
        Assert.Equal(new ObservationCode(LabReportMapping.LocalCodeSystem, "15545"), panel.Code);
        Assert.Equal("GLUCOSE", panel.Name);
        var o = Assert.Single(panel.Observations);
        Assert.Equal("1554-5", o.Code.Code);
        Assert.Equal("POST 12H CFST:MCNC:PT:SER/PLAS:QN", o.Code.System);
        Assert.Equal("GLUCOSE", o.Name);
        Assert.Equal(182m, o.Value);
        Assert.Null(o.TextValue);
        Assert.Equal("mg/dl", o.Unit!.Code);
        Assert.Equal(new Domain.Results.ReferenceRange(null, null, "70_105"), o.ReferenceRange);
        Assert.Equal("H", o.Flag!.Code);
        Assert.Equal(ObservationStatus.Final, o.Status);
    }

    [Fact]
    public async Task Lri_cbc_is_stored_field_by_field()
    {
        var (report, _, _) = await DeliverAsync("fhir-converter_LRI_2.0-NG_CBC_Typ_Message.hl7");

        Assert.Equal("ORD666555", report.OrderNumber);
        Assert.Equal(Utc(2011, 1, 3, 22, 34, 28), report.CollectedAt);
        Assert.Equal(Utc(2011, 1, 5, 1, 0, 28), report.IssuedAt);
        Assert.Equal("Radon Nicholas", report.ResponsibleSpecialist);
        var panel = Assert.Single(report.Panels);
        Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, "57021-8"), panel.Code);
        Assert.Equal("CBC W Auto Differential panel in Blood", panel.Name);
        Assert.Equal(28, panel.Observations.Count);
        var hgb = panel.Observations[1];
        Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, "718-7"), hgb.Code);
        Assert.Equal("Hemoglobin [Mass/volume] in Blood", hgb.Name);
        Assert.Equal(12.5m, hgb.Value);
        Assert.Equal("g/mL", hgb.Unit!.Code);
        Assert.Equal(new Domain.Results.ReferenceRange(13m, 18m, "13 to 18"), hgb.ReferenceRange);
        Assert.Equal("L", hgb.Flag!.Code);
        var wbc = panel.Observations[3];
        Assert.Equal(105600m, wbc.Value);
        Assert.Equal("{cells}/uL", wbc.Unit!.Code);
        Assert.Equal(FlagMeaning.CriticallyHigh, wbc.Flag!.Meaning);
        var aniso = panel.Observations[19];
        Assert.Null(aniso.Value);
        Assert.Equal("Present ++ out of ++++", aniso.TextValue);
        Assert.Equal("A", aniso.Flag!.Code);
        Assert.Equal("Platelets show defective granulation.", panel.Observations[27].TextValue);
    }

    [Fact]
    public async Task Lab_oru_1_is_stored_without_the_observation_not_resulted_yet()
    {
        var (report, _, _) = await DeliverAsync("fhir-converter_LAB-ORU-1.hl7");

        Assert.Equal("88502218", report.OrderNumber);
        Assert.Equal("URO", report.ResponsibleSpecialist);
        Assert.Equal(2, report.Panels.Count);
        var cbc = report.Panels[0];
        Assert.Equal(new ObservationCode(ObservationCode.LoincSystem, "24317-0"), cbc.Code);
        Assert.DoesNotContain(cbc.Observations, o => o.Code.Code == "11156-7");
        var ery = cbc.Observations[0];
        Assert.Equal(4.06m, ery.Value);
        Assert.Equal("tera.l-1", ery.Unit!.Code);
        Assert.Equal(FlagMeaning.Normal, ery.Flag!.Meaning);
        Assert.Equal(ObservationStatus.Preliminary, ery.Status);
        Assert.Contains(cbc.Observations, o => o.Value == 40.1m);
        Assert.Equal(221m, cbc.Observations[^1].Value);
        Assert.Equal(ObservationStatus.Final, cbc.Observations[^1].Status);
        Assert.Equal(Utc(2014, 10, 5, 23, 27), report.CollectedAt);
        var diff = report.Panels[1];
        Assert.Equal(
            [("23761-0", 72m), ("26450-7", 2m), ("26478-8", 20m), ("26485-3", 6m), ("30180-4", 0m)],
            diff.Observations.Select(o => (o.Code.Code, o.Value!.Value)).ToArray());
        Assert.All(diff.Observations, o => Assert.Equal("%", o.Unit!.Code));
    }

    [Theory]
    [MemberData(nameof(Storable))]
    public async Task Every_storable_fixture_keeps_its_orders_codes_and_values(string fixture)
    {
        var parsed = OruMapper.Parse(Fixtures.Hl7(fixture));
        var (report, _, _) = await DeliverAsync(fixture);

        var expectedPanels = parsed.Panels.Where(p => p.Observations.Any(LabReportMapping.IsResulted)).ToList();
        Assert.Equal(expectedPanels.Count, report.Panels.Count);
        for (var i = 0; i < expectedPanels.Count; i++)
        {
            var expected = expectedPanels[i].Observations.Where(LabReportMapping.IsResulted).ToList();
            var stored = report.Panels[i].Observations;
            Assert.Equal(expected.Count, stored.Count);
            for (var j = 0; j < expected.Count; j++)
            {
                Assert.Equal(expected[j].Code.Code, stored[j].Code.Code);
                if (stored[j].Value is { } value)
                {
                    Assert.Equal(expected[j].Values[0].Number, value);
                }
                else if (expected[j].Values.Count > 0)
                {
                    Assert.StartsWith(expected[j].Values[0].Text ?? string.Empty, stored[j].TextValue ?? string.Empty, StringComparison.Ordinal);
                }
            }
        }
    }

    [Theory]
    [InlineData("nhapi_badinput_hang1.hl7", "AE", 400, "MSH^1^2")]
    [InlineData("nhapi_badinput_id_000118.hl7", "AE", 400, "MSH^1^2")]
    [InlineData("nhapi_badinput_stackoverflow1.hl7", "AE", 400, "MSH^1^2")]
    [InlineData("ruby-hl7_realm-lead-laboratory-result.hl7", "AE", 400, "segment name")]
    [InlineData("ruby-hl7_realm-cj-joeslab.hl7", "AE", 400, "OBR^7^22")]
    [InlineData("ruby-hl7_obxobr.hl7", "AR", 422, "MSH^1^12")]
    [InlineData("ruby-hl7_empty_segments.hl7", "AR", 422, "MSH^1^12")]
    [InlineData("hl7-dotnetcore_Sample-ORM.hl7", "AR", 422, "MSH^1^9")]
    [InlineData("fhir-converter_ORU-R01-01.hl7", "AE", 400, "OBX^5^")]
    [InlineData("node-hl7-complete_athena-oru-example.hl7", "AE", 400, "no order of the message has an observation with a result")]
    [InlineData("hapi-hl7v2_example_oml_o21_ORU_R01-extract.hl7", "AE", 400, "OBR-7: no collection or result time")]
    [InlineData("ruby-hl7_nist_ORU_R01_2.5.1_SampleTestCase6.hl7", "AE", 400, "OBX^^3")]
    [InlineData("cdc-dex_RawHL7DataCELR.hl7", "AE", 400, "OBR-4: 'NOTF' is not a LOINC code")]
    public async Task A_fixture_that_cannot_be_stored_gets_a_precise_ack_and_appends_nothing(string fixture, string code, int status, string detail)
    {
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, Fixtures.Hl7(fixture));
        var ack = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, DeliveryHost.AckCode(ack));
        Assert.Contains(detail, ack, StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_repeated_control_id_returns_the_first_ack_and_appends_nothing()
    {
        var message = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "REPEAT-1");
        var first = await DeliveryHost.PostHl7Async(host.Lab.Client, message);
        var firstAck = await first.Content.ReadAsStringAsync();
        var after = await host.EventCountAsync();

        var second = await DeliveryHost.PostHl7Async(host.Lab.Client, message);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstAck, await second.Content.ReadAsStringAsync());
        Assert.Equal(after, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_first_ack_even_with_a_new_control_id()
    {
        var first = await DeliveryHost.PostHl7Async(host.Lab.Client, DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "KEYED-1"), idempotencyKey: "key-hl7-1");
        var firstAck = await first.Content.ReadAsStringAsync();
        var after = await host.EventCountAsync();

        var second = await DeliveryHost.PostHl7Async(host.Lab.Client, DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "KEYED-2"), idempotencyKey: "key-hl7-1");

        Assert.Equal(firstAck, await second.Content.ReadAsStringAsync());
        Assert.Equal(after, await host.EventCountAsync());
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_message_store_one_document_and_get_the_same_ack()
    {
        var message = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "RACE-1");
        var before = await host.EventCountAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => DeliveryHost.PostHl7Async(host.Lab.Client, message)));
        var acks = await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal("AA", DeliveryHost.AckCode(acks[0]));
        Assert.Single(acks.Distinct(StringComparer.Ordinal));
        // One document: its arrival and, released final, its status.
        var document = await host.Store.ReadStreamAsync(DeliveryHost.Hl7DocumentId(host.Lab.Id, "RACE-1"));
        Assert.Equal(["results.lab_result_arrived.v1", "results.status_changed.v1"], document.Select(e => e.EventType).ToArray());
        Assert.Equal(before + 2, await host.EventCountAsync());
    }

    [Fact]
    public async Task A_stored_answer_for_the_control_id_is_returned_and_the_document_is_not_written()
    {
        // An answer kept for this control id without its document (as an earlier version could leave): the append
        // that would store the answer again fails as a whole, so nothing of the document is written.
        var tables = host.Host.Services.GetRequiredService<IngestionTables>();
        var digest = tables.KeyDigest("msh-10\nORPHAN-1");
        await host.ScalarAsync($"INSERT INTO ledger.ingestion_outcomes (org_id, key_digest, status, body, created_at) VALUES ('{host.Lab.Id}', '{digest}', 'AA', 'MSH|^~\\&|FIRST-ANSWER', now()) RETURNING 1");
        var before = await host.EventCountAsync();

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "ORPHAN-1"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("MSH|^~\\&|FIRST-ANSWER", await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await host.EventCountAsync());
        Assert.Empty(await host.Store.ReadStreamAsync(DeliveryHost.Hl7DocumentId(host.Lab.Id, "ORPHAN-1")));
    }

    [Fact]
    public async Task A_corrected_report_corrects_the_document_of_the_same_order()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var original = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "ORIG-1");
        Assert.Equal("AA", DeliveryHost.AckCode(await (await DeliveryHost.PostHl7Async(org.Client, original)).Content.ReadAsStringAsync()));
        var corrected = DeliveryHost.WithControlId(
            EditSegment(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(original).Replace("^182|", "^175|", StringComparison.Ordinal)), "OBR", 25, "C"),
            "CORR-1");

        var response = await DeliveryHost.PostHl7Async(org.Client, corrected);

        Assert.Equal("AA", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        // Read as recorded: the corrected content is checked on the decrypted event of the stream.
        var events = await host.Store.ReadStreamAsync(DeliveryHost.Hl7DocumentId(org.Id, "ORIG-1"));
        // The original arrived final (ready); the correction is final too, so the status stays.
        Assert.Equal(["results.lab_result_arrived.v1", "results.status_changed.v1", "results.corrected.v1"], events.Select(e => e.EventType).ToArray());
        Assert.Contains("\"CORR-1\"", events[2].Data, StringComparison.Ordinal);
        Assert.Contains("175", events[2].Data, StringComparison.Ordinal);
        Assert.False((await host.DocumentAsync(DeliveryHost.Hl7DocumentId(org.Id, "CORR-1"))).Exists);
    }

    [Fact]
    public async Task A_report_corrected_twice_keeps_every_version_readable()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true);
        var original = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "TWICE-1");
        Assert.Equal("AA", DeliveryHost.AckCode(await (await DeliveryHost.PostHl7Async(org.Client, original)).Content.ReadAsStringAsync()));
        foreach (var (value, control) in new[] { ("175", "TWICE-2"), ("168", "TWICE-3") })
        {
            var corrected = DeliveryHost.WithControlId(
                EditSegment(Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(original).Replace("^182|", $"^{value}|", StringComparison.Ordinal)), "OBR", 25, "C"),
                control);
            Assert.Equal("AA", DeliveryHost.AckCode(await (await DeliveryHost.PostHl7Async(org.Client, corrected)).Content.ReadAsStringAsync()));
        }

        var (state, version) = await host.Store.AggregateAsync(Deciders.Result, DeliveryHost.Hl7DocumentId(org.Id, "TWICE-1"));

        // The arrival, its status (ready) and two corrections.
        Assert.Equal(4, version);
        var values = state.Versions
            .Select(v => Assert.IsType<Domain.Results.LabReport>(v.Content).Panels.SelectMany(p => p.Observations).First(o => o.Value is not null).Value)
            .ToList();
        Assert.Equal([182m, 175m, 168m], values);
    }

    [Fact]
    public async Task A_snils_with_a_bad_check_number_is_refused_naming_pid_3()
    {
        var before = await host.EventCountAsync();
        var message = WithPid3(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "112-233-445 96^^^SNILS");

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, message);
        var ack = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("AE", DeliveryHost.AckCode(ack));
        Assert.Contains("PID-3", ack, StringComparison.Ordinal);
        // The ACK's own control id (MSH-10) is random and may hold any digits; what is said about the
        // message (MSA-3 and the ERR segments) must not repeat any part of the number.
        var said = string.Join('\r', ack.Split('\r').Where(s => !s.StartsWith("MSH|", StringComparison.Ordinal))
            .Select(s => s.StartsWith("MSA|", StringComparison.Ordinal) ? string.Join('|', s.Split('|').Where((_, i) => i != 2)) : s));
        Assert.Contains("PID-3", said, StringComparison.Ordinal);
        foreach (var part in new[] { "112", "233", "445", "96" })
            Assert.DoesNotContain(part, said, StringComparison.Ordinal);
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/xml")]
    public async Task Another_content_type_is_415(string contentType)
    {
        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("x-application/hl7-v2+er7")]
    [InlineData("text/plain; charset=utf-8")]
    public async Task The_other_hl7_content_types_are_accepted(string contentType)
    {
        var message = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "CT-" + contentType.GetHashCode(StringComparison.Ordinal));

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, message, contentType);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_413_with_an_ar()
    {
        var before = await host.EventCountAsync();
        var message = Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7").Concat(Encoding.ASCII.GetBytes("NTE|1||" + new string('x', 1024 * 1024) + "\r")).ToArray();

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, message);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("AR", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(before, await host.EventCountAsync());
    }

    [Fact]
    public async Task More_observations_than_the_limit_is_413_with_an_ar()
    {
        var before = await host.EventCountAsync();
        var message = new StringBuilder("MSH|^~\\&|LIS|LAB|LEDGER|LEDGER|20260301120000+0300||ORU^R01|MANY-1|P|2.5.1\rPID|1||X1^^^LIS^MR\rOBR|1|O1||57021-8^CBC^LN|||20260301080000+0300\r");
        for (var i = 1; i <= 1001; i++)
        {
            message.Append(System.Globalization.CultureInfo.InvariantCulture, $"OBX|{i}|NM|718-7^Hemoglobin^LN||120|g/L|||||F\r");
        }

        var response = await DeliveryHost.PostHl7Async(host.Lab.Client, Encoding.ASCII.GetBytes(message.ToString()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("AR", DeliveryHost.AckCode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(before, await host.EventCountAsync());
    }

    /// <summary>Replaces PID-3 of a message.</summary>
    public static byte[] WithPid3(byte[] message, string pid3) => EditSegment(message, "PID", 3, pid3);

    /// <summary>Sets field <paramref name="field"/> of every <paramref name="segment"/> segment (segments end with CR, LF or CRLF).</summary>
    public static byte[] EditSegment(byte[] message, string segment, int field, string value)
    {
        var text = Encoding.UTF8.GetString(message);
        var lines = text.Split(["\r\n", "\r", "\n"], StringSplitOptions.None);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith(segment + "|", StringComparison.Ordinal))
            {
                var fields = lines[i].Split('|');
                Array.Resize(ref fields, Math.Max(fields.Length, field + 1));
                fields[field] = value;
                lines[i] = string.Join('|', fields.Select(f => f ?? string.Empty));
            }
        }

        return Encoding.UTF8.GetBytes(string.Join('\r', lines));
    }
}
