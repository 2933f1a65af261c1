using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.Hl7v2;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>
/// Fixtures the ORU mapping must refuse, each with the exact location and reason (what the parser alone refuses is
/// tested in Ledger.Hl7v2.Tests).
/// </summary>
public sealed class Hl7RejectionTests
{
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
