using NodaTime;
using Xunit;

namespace Ledger.Hl7v2.Tests;

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
