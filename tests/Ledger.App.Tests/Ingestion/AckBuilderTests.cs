using Ledger.App.Ingestion.Hl7v2;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class AckBuilderTests
{
    private static readonly OffsetDateTime Now = new LocalDateTime(2024, 5, 6, 7, 8, 9).WithOffset(Offset.FromHours(3));

    [Fact]
    public void Accept_swaps_sender_and_receiver()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_nist_ORU_R01_2.5.1_SampleTestCase6.hl7"));
        var ack = AckBuilder.Build(AckHeader.FromMessage(message), AckCode.AA, "ACK-1", Now);
        Assert.Equal(
            "MSH|^~\\&|PH Application^2.16.840.1.113883.3.72.7.3^HL7|PH Facility^2.16.840.1.113883.3.72.7.4^HL7"
            + "|EHR Application^2.16.840.1.113883.3.72.7.1^HL7|EHR Facility^2.16.840.1.113883.3.72.7.2^HL7"
            + "|20240506070809+0300||ACK^R01^ACK|ACK-1|P|2.5.1\r"
            + "MSA|AA|NIST-100929111015653\r",
            ack);
        var parsed = Hl7Parser.Parse(System.Text.Encoding.UTF8.GetBytes(ack));
        Assert.Equal("ACK", parsed.MessageCode);
        Assert.Equal("NIST-100929111015653", parsed.Get("MSA")!.Field(2).Value);
    }

    [Fact]
    public void Reject_of_an_unsupported_type_has_err_location_and_code()
    {
        var bytes = Fixtures.Hl7("hl7-dotnetcore_Sample-ORM.hl7");
        var message = Hl7Parser.Parse(bytes);
        var error = Assert.Throws<Hl7ParseException>(() => OruMapper.Map(message));
        var ack = AckBuilder.Build(AckHeader.FromMessage(message), error.AckCode, "A2", Now, error);
        var lines = ack.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("MSH|^~\\&|ALLINA||Organization||20240506070809+0300||ACK^O01^ACK|A2|P|2.3", lines[0]);
        Assert.Equal("MSA|AR|3149|message type ORM\\S\\O01 is not supported; only ORU\\S\\R01 is accepted", lines[1]);
        Assert.Equal("ERR|MSH^1^9^200&Unsupported message type&HL70357", lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void Application_error_in_v251_uses_err2_err3_err8()
    {
        var message = Hl7Parser.Parse(Fixtures.Hl7("ruby-hl7_realm-cj-joeslab.hl7"));
        var error = Assert.Throws<Hl7ParseException>(() => OruMapper.Map(message));
        Assert.Equal(AckCode.AE, error.AckCode);
        var ack = AckBuilder.Build(AckHeader.FromMessage(message), error.AckCode, "A3", Now, error);
        var lines = ack.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("MSH|^~\\&|ELR^2.16.840.1.113883.19.3.2^ISO|SPH^2.16.840.1.113883.19.3.2^ISO|Lab1^1234^CLIA|Joe's Lab^1234^CLIA|", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("|ACK^R01^ACK|A3|P|2.5.1", lines[0], StringComparison.Ordinal);
        Assert.Equal("MSA|AE|1234567890", lines[1]);
        Assert.Equal(
            "ERR||OBR^7^22|102^Data type error^HL70357|E||||'2008081830-0700' is not a valid date/time: hour 30 is out of range",
            lines[2]);
    }

    [Fact]
    public void Best_effort_header_for_unparseable_bytes()
    {
        var bytes = Fixtures.Hl7("nhapi_badinput_hang1.hl7");
        var error = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(bytes));
        var header = AckHeader.BestEffort(bytes);
        var ack = AckBuilder.Build(header, error.AckCode, "A4", Now, error);
        var lines = ack.Split('\r', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("MSH|^~\\&|||||20240506070809+0300||ACK|A4|P|2.5.1", lines[0]);
        Assert.Equal("MSA|AE|", lines[1]);
        Assert.StartsWith("ERR||MSH^1^2|102^Data type error^HL70357|E||||MSH-2 encoding characters '\\S\\' are too short", lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Best_effort_reads_a_good_header_of_a_bad_body()
    {
        var bytes = Fixtures.Hl7("ruby-hl7_realm-lead-laboratory-result.hl7");
        var header = AckHeader.BestEffort(bytes);
        Assert.Equal("1234567890", header.ControlId);
        Assert.Equal("R01", header.TriggerEvent);
        Assert.Equal("2.5.1", header.Version);
        Assert.Equal("Lab1^1234^CLIA", header.SendingApplication);
        var error = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(bytes));
        var ack = AckBuilder.Build(header, error.AckCode, "A5", Now, error);
        Assert.StartsWith("ERR||5.1^4^|100^Segment sequence error^HL70357|E||||segment name '5.1'", ack.Split('\r')[2], StringComparison.Ordinal);
        Assert.StartsWith("MSH|^~&|", ack, StringComparison.Ordinal);
    }

    [Fact]
    public void Ae_without_error_is_a_programming_error()
    {
        var header = AckHeader.BestEffort([]);
        Assert.Throws<ArgumentException>(() => AckBuilder.Build(header, AckCode.AE, "x", Now));
    }
}
