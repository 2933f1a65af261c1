using Ledger.App.Ingestion.Hl7v2;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>Fixtures that must be refused, each with the exact location and reason.</summary>
public sealed class Hl7RejectionTests
{
    [Theory]
    [InlineData("nhapi_badinput_hang1.hl7", "'^' are too short")]
    [InlineData("nhapi_badinput_stackoverflow1.hl7", "'^' are too short")]
    [InlineData("nhapi_badinput_id_000118.hl7", "0xFD at position 2")]
    public void Fuzzer_inputs_fail_on_msh2(string file, string reason)
    {
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Fixtures.Hl7(file)));
        Assert.Equal(Hl7ErrorKind.Malformed, ex.Kind);
        Assert.Equal("MSH", ex.SegmentName);
        Assert.Equal(1, ex.SegmentIndex);
        Assert.Equal(2, ex.FieldNumber);
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.Equal(AckCode.AE, ex.AckCode);
    }

    [Fact]
    public void Realm_lead_split_pid_gives_an_invalid_segment_name()
    {
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_realm-lead-laboratory-result.hl7")));
        Assert.Equal(Hl7ErrorKind.Malformed, ex.Kind);
        Assert.Equal("5.1", ex.SegmentName);
        Assert.Equal(4, ex.SegmentIndex);
        Assert.Null(ex.FieldNumber);
        Assert.Equal(100, ex.ErrorCode);
        Assert.Contains("segment name '5.1'", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Realm_lead_header_without_escape_character_is_read()
    {
        var bytes = Fixtures.Hl7("ruby-hl7_realm-lead-laboratory-result.hl7");
        var header = bytes.AsSpan(0, Array.IndexOf(bytes, (byte)'\r')).ToArray();
        var message = Hl7Parser.Parse(header);
        Assert.Equal(new Hl7Separators('|', '^', '~', '\0', '&', '\0'), message.Separators);
        Assert.Equal("^~&", message.Header.Field(2).Value);
        Assert.Equal("1234567890", message.ControlId);
        Assert.Equal("2.5.1", message.Version);
    }

    [Fact]
    public void Joes_lab_invalid_report_time_is_content_error()
    {
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Fixtures.Hl7("ruby-hl7_realm-cj-joeslab.hl7")));
        Assert.Equal(Hl7ErrorKind.Invalid, ex.Kind);
        Assert.Equal("OBR", ex.SegmentName);
        Assert.Equal(7, ex.SegmentIndex);
        Assert.Equal(22, ex.FieldNumber);
        Assert.Equal("'2008081830-0700' is not a valid date/time: hour 30 is out of range", ex.Reason);
        Assert.Equal(AckCode.AE, ex.AckCode);
    }

    [Fact]
    public void Joes_lab_parses_structurally_with_mixed_terminators()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_realm-cj-joeslab.hl7"));
        Assert.Equal(
            ["MSH", "SFT", "PID", "PV1", "PV2", "ORC", "OBR", "OBX", "SPM", "OBR", "OBX", "SPM"],
            message.Segments.Select(s => s.Name).ToArray());
        Assert.Equal("Joe's Lab", message.Header.Field(4).Component(1).Value);
        Assert.Equal("50", message.Get("OBX", 1)!.Field(5).Value);
    }

    [Fact]
    public void Obxobr_version_22_is_unsupported()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_obxobr.hl7"));
        Assert.Equal(3, message.All("OBR").Count());
        Assert.Equal(9, message.All("OBX").Count());
        Assert.Equal("ORU", message.MessageCode);
        Assert.Null(message.TriggerEvent);
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Map(message));
        Assert.Equal(Hl7ErrorKind.Unsupported, ex.Kind);
        Assert.Equal(("MSH", 1, 12, 203), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber, ex.ErrorCode));
        Assert.Equal("version 2.2 is not supported; supported versions are 2.3 to 2.5.1", ex.Reason);
        Assert.Equal(AckCode.AR, ex.AckCode);
    }

    [Fact]
    public void Empty_segments_parse_leniently_then_are_refused_as_r03()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_empty_segments.hl7"));
        Assert.Equal(["MSH", "PID", "PV1", "ORC", "OBR", "OBX", "OBX"], message.Segments.Select(s => s.Name).ToArray());
        Assert.Equal("GRAM POSITIVE COCCI IN GROUPS", message.Get("OBX", 1)!.Field(5).Value);
        Assert.Null(message.Version);
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Map(message));
        Assert.Equal(Hl7ErrorKind.Unsupported, ex.Kind);
        Assert.Equal(12, ex.FieldNumber);
        Assert.StartsWith("MSH-12 version is missing", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Orm_is_unsupported_message_type()
    {
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Fixtures.Hl7("hl7-dotnetcore_Sample-ORM.hl7")));
        Assert.Equal(Hl7ErrorKind.Unsupported, ex.Kind);
        Assert.Equal(("MSH", 1, 9, 200), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber, ex.ErrorCode));
        Assert.Equal("message type ORM^O01 is not supported; only ORU^R01 is accepted", ex.Reason);
        Assert.Equal(AckCode.AR, ex.AckCode);
    }

    [Fact]
    public void Oru_r01_01_observation_before_order_is_refused()
    {
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Fixtures.Hl7("fhir-converter_ORU-R01-01.hl7")));
        Assert.Equal(Hl7ErrorKind.Invalid, ex.Kind);
        Assert.Equal(("OBX", 5, (int?)null, 100), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber, ex.ErrorCode));
    }

    [Fact]
    public void Oru_r01_01_escapes_decode_at_parser_level()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("fhir-converter_ORU-R01-01.hl7"));
        Assert.Equal("NHS Provider-General (inc.A&E-this Hosp)", message.Get("PV1")!.Field(14).Value);
        Assert.Contains("E.coli O157:H7 & other STECs", message.Get("NTE")!.Field(3).Value, StringComparison.Ordinal);
        var ed = message.Get("OBX", 1)!;
        Assert.Equal("ED", ed.Field(2).Value);
        Assert.Equal("Base64", ed.Field(5).Component(4).Value);
    }

    [Fact]
    public void Every_fixture_either_maps_or_fails_with_a_typed_error()
    {
        foreach (var file in Fixtures.AllHl7())
        {
            try
            {
                OruMapper.Parse(Fixtures.Hl7(file));
            }
            catch (Hl7ParseException ex)
            {
                Assert.False(string.IsNullOrEmpty(ex.Reason), file);
            }
        }
    }
}
