using System.Text;
using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.App.Ingestion.Parsed;
using Ledger.Hl7v2;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>Mapping cases no fixture covers: Cyrillic charset, СНИЛС/ЕНП authorities, ED attachments, SN ranges.</summary>
public sealed class OruSyntheticTests
{
    private static readonly string Pdf = Convert.ToBase64String("%PDF-1.7"u8.ToArray());

    private static string Message(string obx) =>
        "MSH|^~\\&|LIS|LAB|LEDGER|CLINIC|20240301101500||ORU^R01^ORU_R01|M-1|P|2.5.1||||||WINDOWS-1251\r"
        + "PID|||112-233-445 95^^^СНИЛС&1.2.643.100.3&ISO^PEN~7700000000000000^^^ЕНП&1.2.643.5.1.13.2.1.1.2&ISO^ENP~42^^^LIS^MR||Иванов^Пётр\r"
        + "OBR|1|P-1|F-1|57021-8^ОАК^LN|||20240301080000|||||||||||||||20240301100000|||C|||||||1&Смирнова&Анна\r"
        + obx;

    private static decimal? Dec(string? s) =>
        s is null ? null : decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture);

    private static LabResultDocument Map(string obx) =>
        OruMapper.Parse(CodePagesEncodingProvider.Instance.GetEncoding(1251)!.GetBytes(Message(obx)));

    [Fact]
    public void Cyrillic_message_with_russian_identifiers()
    {
        var doc = Map("OBX|1|NM|718-7^Гемоглобин^LN||-1.50|g/dL|13.5-17.5|L|||F|||20240301090000\rNTE|1||Гемолиз\\.br\\повторить");
        Assert.Equal(
            [
                new PatientIdentifierCandidate("112-233-445 95", "СНИЛС", "PEN", "urn:oid:1.2.643.100.3"),
                new PatientIdentifierCandidate("7700000000000000", "ЕНП", "ENP", "urn:oid:1.2.643.5.1.13.2.1.1.2"),
                new PatientIdentifierCandidate("42", "LIS", "MR", null),
            ],
            doc.PatientIdentifiers);
        Assert.Equal(
            [PatientIdentifierKind.Snils, PatientIdentifierKind.Enp, PatientIdentifierKind.Unknown],
            doc.PatientIdentifiers.Select(PatientIdentifierSystems.Recognise).ToArray());

        var panel = Assert.Single(doc.Panels);
        Assert.Equal(new CodedValue("57021-8", "ОАК", CodeSystems.Loinc), panel.Code);
        Assert.Equal(Instant.FromUtc(2024, 3, 1, 5, 0), panel.CollectedAt);
        Assert.Equal(Instant.FromUtc(2024, 3, 1, 7, 0), panel.IssuedAt);
        Assert.True(panel.Status.IsCorrection);
        Assert.Equal(new ResponsibleParty("1", "Смирнова", "Анна", "Смирнова Анна"), panel.PrincipalInterpreter);
        var obs = Assert.Single(panel.Observations);
        Assert.Equal("Гемоглобин", obs.Code.Text);
        Assert.Equal(-1.50m, obs.Values[0].Number);
        Assert.Equal(new ReferenceRange(13.5m, 17.5m, "13.5-17.5"), obs.ReferenceRange);
        Assert.Equal(["Гемолиз\nповторить"], obs.Comments);
    }

    [Fact]
    public void Encapsulated_data_attachment()
    {
        var doc = Map($"OBX|1|ED|11502-2^Laboratory report^LN||LIS^application^pdf^Base64^{Pdf}||||||F");
        var value = Assert.Single(doc.Panels[0].Observations[0].Values);
        Assert.Equal(ObservationValueKind.Attachment, value.Kind);
        Assert.Equal("application/pdf", value.Attachment!.ContentType);
        Assert.Equal("%PDF-1.7"u8.ToArray(), value.Attachment.Data.ToArray());
    }

    [Theory]
    [InlineData("<^5", "<", "5", null, null, null)]
    [InlineData(">=^10", ">=", "10", null, null, null)]
    [InlineData("^1^:^128", null, "1", ":", "128", null)]
    [InlineData("^2^-^4", null, "2", "-", "4", null)]
    [InlineData("=^7.5", "=", "7.5", null, null, "7.5")]
    public void Structured_numeric_forms(string sn, string? comparator, string n1, string? separator, string? n2, string? plain)
    {
        var v = Map($"OBX|1|SN|5196-1^HBsAg^LN||{sn}||||||F").Panels[0].Observations[0].Values[0];
        Assert.Equal(new StructuredNumeric(comparator, Dec(n1), separator, Dec(n2)), v.Structured);
        Assert.Equal(Dec(plain), v.Number);
    }

    [Theory]
    [InlineData("<10 ug/dL", null, 10)]
    [InlineData(">=60", 60, null)]
    [InlineData("-5-5", -5, 5)]
    [InlineData("negative", null, null)]
    public void Reference_range_shapes(string text, int? low, int? high)
    {
        var range = Map($"OBX|1|NM|X1^Test^LN||1|u|{text}||||F").Panels[0].Observations[0].ReferenceRange;
        Assert.Equal(new ReferenceRange(low, high, text), range);
    }

    [Theory]
    [InlineData("OBX|1|NM|718-7^Hb^LN||abc|g/dL||||F", 5, "OBX-5 'abc' is not a number (value type NM)")]
    [InlineData("OBX|1|NM|718-7^Hb^LN||1,5|g/dL||||F", 5, "OBX-5 '1,5' is not a number (value type NM)")]
    [InlineData("OBX|1|NM|^^^||1|g/dL||||F", 3, "OBX-3 observation identifier is missing")]
    [InlineData("OBX|1||718-7^Hb^LN||1|g/dL||||F", 2, "OBX-2 value type is missing while OBX-5 has a value")]
    [InlineData("OBX|1|SN|718-7^Hb^LN||~^abc||||F", 5, "OBX-5 SN component 2 'abc' is not a number")]
    [InlineData("OBX|1|ED|718-7^Hb^LN||^application^pdf^Base64^***||||F", 5, "OBX-5 ED data is not valid Base64")]
    [InlineData("OBX|1|NM|718-7^Hb^LN||1|g/dL|||||F|||2024130101", 14, "'2024130101' is not a valid date/time: month 13 is out of range")]
    public void Content_errors_are_located(string obx, int field, string reason)
    {
        var ex = Assert.Throws<Hl7ParseException>(() => Map(obx));
        Assert.Equal(Hl7ErrorKind.Invalid, ex.Kind);
        Assert.Equal(("OBX", 4, field), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber));
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(AckCode.AE, ex.AckCode);
    }

    [Fact]
    public void Missing_pid_and_obr()
    {
        var noPid = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5\rOBR|1";
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Encoding.ASCII.GetBytes(noPid)));
        Assert.Equal(("PID", 101, "PID segment is missing"), (ex.SegmentName, ex.ErrorCode, ex.Reason));
        var noObr = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5\rPID|||1";
        ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Encoding.ASCII.GetBytes(noObr)));
        Assert.Equal(("OBR", Hl7ErrorKind.Invalid), (ex.SegmentName, ex.Kind));
        var noId = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5\rPID|1||^^^X\rOBR|1";
        ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Encoding.ASCII.GetBytes(noId)));
        Assert.Equal(("PID", 2, 3), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber));
    }

    [Theory]
    [InlineData("ADT^A01", 200)]
    [InlineData("ORU^R30", 201)]
    public void Other_message_types_are_unsupported(string type, int code)
    {
        var text = $"MSH|^~\\&|A|B|C|D|20240101||{type}|1|P|2.4\rPID|||1\rOBR|1";
        var ex = Assert.Throws<Hl7ParseException>(() => OruMapper.Parse(Encoding.ASCII.GetBytes(text)));
        Assert.Equal((Hl7ErrorKind.Unsupported, code, 9), (ex.Kind, ex.ErrorCode, ex.FieldNumber));
    }
}
