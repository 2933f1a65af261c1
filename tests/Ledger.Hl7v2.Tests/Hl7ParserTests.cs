using System.Text;
using NodaTime;
using Xunit;

namespace Ledger.Hl7v2.Tests;

public sealed class Hl7ParserTests
{
    private const string Msh = "MSH|^~\\&|SND|SF|RCV|RF|20240102030405||ORU^R01|C1|P|2.5.1";

    private static Hl7Message Parse(string text) => Hl7Parser.Parse(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Msh_numbering_follows_the_standard()
    {
        var m = Parse(Msh + "\rPID|||123^^^AUTH^MR~456||Doe^John");
        Assert.Equal("|", m.Header.Field(1).Value);
        Assert.Equal("^~\\&", m.Header.Field(2).Value);
        Assert.Equal("SND", m.Header.Field(3).Value);
        Assert.Equal("ORU", m.MessageCode);
        Assert.Equal("R01", m.TriggerEvent);
        Assert.Equal("C1", m.ControlId);
        Assert.Equal("2.5.1", m.Version);
        var pid = m.Get("PID")!;
        Assert.Equal(2, pid.Field(3).RepetitionCount);
        Assert.Equal("AUTH", pid.Field(3).Repetition(1).Component(4).Value);
        Assert.Equal("456", pid.Field(3).Repetition(2).Component(1).Value);
        Assert.Equal("John", pid.Field(5).Component(2).Value);
        Assert.True(pid.Field(40).IsEmpty);
        Assert.True(pid.Field(5).Component(9).Subcomponent(3).IsEmpty);
        Assert.Null(m.Get("OBX"));
    }

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\n\r")]
    public void Any_terminator_splits_segments(string terminator)
    {
        var m = Parse(Msh + terminator + "PID|1" + terminator + terminator + "OBR|1" + terminator);
        Assert.Equal(["MSH", "PID", "OBR"], m.Segments.Select(s => s.Name).ToArray());
        Assert.Equal(3, m.Get("OBR")!.Index);
    }

    [Fact]
    public void Mllp_framing_and_bom_are_stripped()
    {
        var body = Encoding.UTF8.GetBytes(Msh + "\rPID|1\r");
        byte[] framed = [0x0B, 0xEF, 0xBB, 0xBF, .. body, 0x1C, 0x0D];
        var m = Hl7Parser.Parse(framed);
        Assert.Equal(2, m.Segments.Count);
        Assert.Equal("1", m.Get("PID")!.Field(1).Value);
    }

    [Theory]
    [InlineData("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f", "a|b^c&d~e\\f")]
    [InlineData("line1\\.br\\line2", "line1\nline2")]
    [InlineData("\\H\\bold\\N\\", "bold")]
    [InlineData("\\X0D0A\\", "\r\n")]
    [InlineData("\\XD0B8\\", "и")]
    [InlineData("\\XZZ\\", "\\XZZ\\")]
    [InlineData("\\C2842\\x", "\\C2842\\x")]
    [InlineData("\\M2442\\x", "\\M2442\\x")]
    [InlineData("\\Q\\", "\\Q\\")]
    [InlineData("open\\F", "open\\F")]
    public void Escapes_are_decoded_on_access(string raw, string expected)
    {
        var m = Parse(Msh + "\rNTE|1||" + raw);
        Assert.Equal(expected, m.Get("NTE")!.Field(3).Value);
        Assert.Equal(raw, m.Get("NTE")!.Field(3).Raw);
    }

    [Fact]
    public void Orm_formatting_escapes()
    {
        var m = Hl7Parser.Parse(Fixtures.Hl7("hl7-dotnetcore_Sample-ORM.hl7"));
        Assert.Equal(7, m.Segments.Count);
        Assert.Equal(
            "some text\nsome text after new line\nissue Efferent-Health#82",
            m.Get("NTE", 0)!.Field(3).Value);
        Assert.Equal(
            "some text\r\nsome text after new line\r\nissue Efferent-Health#81",
            m.Get("NTE", 1)!.Field(3).Value);
    }

    [Fact]
    public void Escape_encoding_round_trips()
    {
        var text = "a|b^c&d~e\\f\ng";
        var encoded = Hl7Escapes.Encode(text, Hl7Separators.Standard);
        Assert.Equal("a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f\\.br\\g", encoded);
        Assert.Equal(text, Hl7Escapes.Decode(encoded, Hl7Separators.Standard, Encoding.UTF8));
    }

    [Theory]
    [InlineData("8859/5", 28595)]
    [InlineData("WINDOWS-1251", 1251)]
    [InlineData("CP1251", 1251)]
    public void Cyrillic_single_byte_charsets(string msh18, int codePage)
    {
        var enc = CodePagesEncodingProvider.Instance.GetEncoding(codePage)!;
        var text = "MSH|^~\\&|A|B|C|D|20240101||ORU^R01|1|P|2.5.1||||||" + msh18 + "\rPID|||1||Иванов^Пётр";
        var m = Hl7Parser.Parse(enc.GetBytes(text));
        Assert.Equal(codePage, m.Charset.CodePage);
        Assert.Equal("Иванов", m.Get("PID")!.Field(5).Component(1).Value);
        Assert.Equal(msh18, m.CharacterSet);
    }

    [Fact]
    public void Latin1_declared_and_detected()
    {
        var latin = Encoding.Latin1.GetBytes(Msh + "||||||8859/1\rPID|||1||Müller");
        Assert.Equal("Müller", Hl7Parser.Parse(latin).Get("PID")!.Field(5).Value);
        var undeclared = Encoding.Latin1.GetBytes(Msh + "\rPID|||1||Müller");
        var m = Hl7Parser.Parse(undeclared);
        Assert.Equal(Encoding.Latin1.CodePage, m.Charset.CodePage);
        Assert.Equal("Müller", m.Get("PID")!.Field(5).Value);
        Assert.Equal("Müller", Parse(Msh + "\rPID|||1||Müller").Get("PID")!.Field(5).Value);
    }

    [Fact]
    public void Invalid_utf8_in_a_declared_utf8_message_is_located()
    {
        byte[] bytes = [.. Encoding.ASCII.GetBytes(Msh + "||||||UNICODE UTF-8\rPID|||1||M"), 0xC3, 0x28, .. "x"u8];
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(bytes));
        Assert.Equal(Hl7ErrorKind.Encoding, ex.Kind);
        Assert.Equal(("PID", 2, 5), (ex.SegmentName, ex.SegmentIndex, ex.FieldNumber));
        Assert.Contains("0xC3", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bom_means_strict_utf8()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes(Msh + "\rPID|||1||"), 0xE9, .. "\rOBR|1"u8];
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(bytes));
        Assert.Equal((Hl7ErrorKind.Encoding, "PID", 2, 5), (ex.Kind, ex.SegmentName, ex.SegmentIndex, ex.FieldNumber));
    }

    [Fact]
    public void Non_ascii_in_an_ascii_message_is_refused()
    {
        var bytes = Encoding.Latin1.GetBytes(Msh + "||||||ASCII\rPID|||1||é");
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(bytes));
        Assert.Equal(Hl7ErrorKind.Encoding, ex.Kind);
        Assert.Equal(5, ex.FieldNumber);
    }

    [Fact]
    public void Unknown_charset_is_unsupported()
    {
        var ex = Assert.Throws<Hl7ParseException>(() => Parse(Msh + "||||||ISO IR87\rPID|1"));
        Assert.Equal(Hl7ErrorKind.Unsupported, ex.Kind);
        Assert.Equal(18, ex.FieldNumber);
    }

    [Theory]
    [InlineData("PID|1\r" + Msh, "does not start with an MSH segment")]
    [InlineData(Msh + "\rpid|1", "segment name 'pid'")]
    [InlineData(Msh + "\rPIDX|1", "segment name 'PIDX'")]
    [InlineData(Msh + "\rPI", "segment name 'PI'")]
    [InlineData(Msh + "\r" + Msh, "second MSH")]
    public void Structural_errors(string text, string reason)
    {
        var ex = Assert.Throws<Hl7ParseException>(() => Parse(text));
        Assert.Equal(Hl7ErrorKind.Malformed, ex.Kind);
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Blank_segments_are_skipped()
    {
        var m = Parse(Msh + "\r||||\r|\r \t\r\u000B\rPID|1\r\r\r");
        Assert.Equal(["MSH", "PID"], m.Segments.Select(s => s.Name).ToArray());
    }

    [Fact]
    public void Limits_raise_limit_errors()
    {
        var small = new Hl7ParserOptions { MaxMessageBytes = 40 };
        Assert.Equal(Hl7ErrorKind.Limit, Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Encoding.ASCII.GetBytes(Msh), small)).Kind);

        var segments = new Hl7ParserOptions { MaxSegments = 3 };
        var ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Encoding.ASCII.GetBytes(Msh + "\rPID|1\rOBR|1\rOBX|1"), segments));
        Assert.Equal((Hl7ErrorKind.Limit, 4), (ex.Kind, ex.SegmentIndex));

        var field = new Hl7ParserOptions { MaxFieldLength = 20 };
        ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Encoding.ASCII.GetBytes(Msh + "\rNTE|1||" + new string('x', 21)), field));
        Assert.Equal((Hl7ErrorKind.Limit, "NTE", 3), (ex.Kind, ex.SegmentName, ex.FieldNumber));
        Assert.Equal(AckCode.AR, ex.AckCode);

        var obx = new Hl7ParserOptions { MaxObservations = 1 };
        ex = Assert.Throws<Hl7ParseException>(() => Hl7Parser.Parse(Encoding.ASCII.GetBytes(Msh + "\rOBX|1\rOBX|2"), obx));
        Assert.Equal((Hl7ErrorKind.Limit, "OBX", 3), (ex.Kind, ex.SegmentName, ex.SegmentIndex));
    }

    [Theory]
    [InlineData("2024", 2024, 1, 1, 0, 0, 0, 0)]
    [InlineData("202402", 2024, 2, 1, 0, 0, 0, 0)]
    [InlineData("20240229", 2024, 2, 29, 0, 0, 0, 0)]
    [InlineData("2024022913", 2024, 2, 29, 13, 0, 0, 0)]
    [InlineData("202402291305", 2024, 2, 29, 13, 5, 0, 0)]
    [InlineData("20240229130559", 2024, 2, 29, 13, 5, 59, 0)]
    [InlineData("20240229130559.1234", 2024, 2, 29, 13, 5, 59, 1234)]
    public void Date_times_without_offset_use_the_default(string text, int y, int mo, int d, int h, int mi, int s, int tenthMillis)
    {
        Assert.True(Hl7DateTime.TryParse(text, Offset.FromHours(3), out var instant, out _));
        var expected = new LocalDateTime(y, mo, d, h, mi, s).PlusTicks(tenthMillis * 1000L).WithOffset(Offset.FromHours(3)).ToInstant();
        Assert.Equal(expected, instant);
    }

    [Theory]
    [InlineData("20240229130559-0700", 2024, 2, 29, 20, 5, 59)]
    [InlineData("20240229+0000", 2024, 2, 29, 0, 0, 0)]
    [InlineData("201203141259-0215", 2012, 3, 14, 15, 14, 0)]
    public void Date_times_with_offset(string text, int y, int mo, int d, int h, int mi, int s)
    {
        Assert.True(Hl7DateTime.TryParse(text, Offset.FromHours(3), out var instant, out _));
        Assert.Equal(Instant.FromUtc(y, mo, d, h, mi, s), instant);
    }

    [Theory]
    [InlineData("")]
    [InlineData("20")]
    [InlineData("2024021")]
    [InlineData("20230229")]
    [InlineData("20241301")]
    [InlineData("2024010124")]
    [InlineData("202401011260")]
    [InlineData("20240101120060")]
    [InlineData("2024010112.5")]
    [InlineData("20240101120000.12345")]
    [InlineData("20240101+03")]
    [InlineData("20240101+1560")]
    [InlineData("01/Jun/2020")]
    public void Invalid_date_times(string text)
    {
        Assert.False(Hl7DateTime.TryParse(text, Offset.Zero, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
