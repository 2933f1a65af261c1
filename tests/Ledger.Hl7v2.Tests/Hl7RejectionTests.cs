using Xunit;

namespace Ledger.Hl7v2.Tests;

/// <summary>
/// Fixtures the parser refuses, each with the exact location and reason, and fixtures it reads although the ORU
/// mapping refuses them (those refusals are tested with the mapping, in Ledger.App.Tests).
/// </summary>
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
    public void Oru_r01_01_escapes_decode_at_parser_level()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("fhir-converter_ORU-R01-01.hl7"));
        Assert.Equal("NHS Provider-General (inc.A&E-this Hosp)", message.Get("PV1")!.Field(14).Value);
        Assert.Contains("E.coli O157:H7 & other STECs", message.Get("NTE")!.Field(3).Value, StringComparison.Ordinal);
        var ed = message.Get("OBX", 1)!;
        Assert.Equal("ED", ed.Field(2).Value);
        Assert.Equal("Base64", ed.Field(5).Component(4).Value);
    }
}
