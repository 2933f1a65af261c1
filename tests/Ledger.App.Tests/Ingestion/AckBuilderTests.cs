using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.Hl7v2;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>ACKs for what the ORU mapping refuses (the ACK builder alone is tested in Ledger.Hl7v2.Tests).</summary>
public sealed class AckBuilderTests
{
    private static readonly OffsetDateTime Now = new LocalDateTime(2024, 5, 6, 7, 8, 9).WithOffset(Offset.FromHours(3));

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
}
