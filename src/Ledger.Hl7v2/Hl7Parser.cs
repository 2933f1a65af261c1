using System.Text;

namespace Ledger.Hl7v2;

/// <summary>
/// Parses one ER7 (pipe-delimited) HL7 v2 message from bytes. Pure and bounded: the work is linear in the
/// input, there is no recursion, and every failure is an <see cref="Hl7ParseException"/>.
/// </summary>
public static class Hl7Parser
{
    private const byte MllpStart = 0x0B;
    private const byte MllpEnd = 0x1C;
    private const byte Cr = 0x0D;
    private const byte Lf = 0x0A;

    /// <summary>Parses a message; see docs/ingestion-mapping.md for the accepted framing and quirks.</summary>
    public static Hl7Message Parse(ReadOnlySpan<byte> input, Hl7ParserOptions? options = null)
    {
        options ??= Hl7ParserOptions.Default;
        if (input.Length > options.MaxMessageBytes)
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Limit,
                $"message is {input.Length} bytes, more than the limit of {options.MaxMessageBytes}",
                errorCode: 207);
        }

        var data = StripFraming(input, out var hadBom);
        if (data.Length < 8 || data[0] != (byte)'M' || data[1] != (byte)'S' || data[2] != (byte)'H')
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Malformed, "message does not start with an MSH segment", "MSH", 1, null, 100);
        }

        var fieldSep = data[3];
        if (fieldSep < 0x21 || fieldSep > 0x7E || char.IsAsciiLetterOrDigit((char)fieldSep))
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Malformed, $"MSH-1 field separator 0x{fieldSep:X2} is not printable ASCII punctuation", "MSH", 1, 1);
        }

        var mshEnd = data.IndexOfAny(Cr, Lf);
        var msh = mshEnd < 0 ? data : data[..mshEnd];
        var encEnd = msh[4..].IndexOf(fieldSep);
        var msh2 = encEnd < 0 ? msh[4..] : msh.Slice(4, encEnd);
        var separators = Hl7Separators.Parse((char)fieldSep, msh2);

        var charset = Hl7Encoding.Resolve(ReadMsh18(msh, fieldSep, separators))
            ?? (hadBom ? Hl7Encoding.Resolve("UNICODE UTF-8")! : Hl7Encoding.Detect(data));

        return new Hl7Message(Split(data, separators, charset, options), separators, charset);
    }

    /// <summary>Parses a message held in a string (it is encoded as UTF-8 first).</summary>
    public static Hl7Message Parse(string text, Hl7ParserOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(Encoding.UTF8.GetBytes(text), options);
    }

    private static ReadOnlySpan<byte> StripFraming(ReadOnlySpan<byte> data, out bool hadBom)
    {
        hadBom = false;
        var start = 0;
        while (start < data.Length)
        {
            if (data[start] is MllpStart or Cr or Lf or (byte)' ' or (byte)'\t')
            {
                start++;
            }
            else if (data.Length - start >= 3 && data[start] == 0xEF && data[start + 1] == 0xBB && data[start + 2] == 0xBF)
            {
                hadBom = true;
                start += 3;
            }
            else
            {
                break;
            }
        }

        var end = data.Length;
        while (end > start && data[end - 1] is MllpEnd or Cr or Lf or MllpStart)
        {
            end--;
        }

        return data[start..end];
    }

    private static string? ReadMsh18(ReadOnlySpan<byte> msh, byte fieldSep, Hl7Separators separators)
    {
        // MSH-n is the (n-1)-th separator-delimited piece: piece 0 is "MSH", piece 1 is MSH-2.
        var piece = 0;
        var pos = 0;
        while (piece < 17)
        {
            var next = msh[pos..].IndexOf(fieldSep);
            if (next < 0)
            {
                return null;
            }

            pos += next + 1;
            piece++;
        }

        var rest = msh[pos..];
        var endField = rest.IndexOf(fieldSep);
        var value = endField < 0 ? rest : rest[..endField];
        var cut = value.IndexOfAny((byte)separators.Repetition, (byte)separators.Component);
        if (cut >= 0)
        {
            value = value[..cut];
        }

        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] > 0x7E || value[i] < 0x20)
            {
                throw new Hl7ParseException(Hl7ErrorKind.Malformed, "MSH-18 character set name is not ASCII", "MSH", 1, 18);
            }
        }

        return Encoding.ASCII.GetString(value);
    }

    private static List<Hl7Segment> Split(
        ReadOnlySpan<byte> data, Hl7Separators separators, Encoding charset, Hl7ParserOptions options)
    {
        var segments = new List<Hl7Segment>(Math.Min(64, 1 + (data.Length / 40)));
        var fieldSep = (byte)separators.Field;
        var observations = 0;
        var pos = 0;
        while (pos <= data.Length)
        {
            var rel = data[pos..].IndexOfAny(Cr, Lf);
            var line = rel < 0 ? data[pos..] : data.Slice(pos, rel);
            pos = rel < 0 ? data.Length + 1 : pos + rel + 1;
            line = TrimControl(line);
            if (IsBlank(line, fieldSep))
            {
                continue;
            }

            var index = segments.Count + 1;
            if (index > options.MaxSegments)
            {
                throw new Hl7ParseException(
                    Hl7ErrorKind.Limit, $"message has more than {options.MaxSegments} segments", null, index, null, 207);
            }

            var name = ReadName(line, fieldSep, index);
            if (name == "OBX" && ++observations > options.MaxObservations)
            {
                throw new Hl7ParseException(
                    Hl7ErrorKind.Limit, $"message has more than {options.MaxObservations} OBX segments", name, index, null, 207);
            }

            if (index == 1 && name != "MSH")
            {
                throw new Hl7ParseException(Hl7ErrorKind.Malformed, "first segment must be MSH", name, index, null, 100);
            }

            if (index > 1 && name == "MSH")
            {
                throw new Hl7ParseException(
                    Hl7ErrorKind.Malformed, "a second MSH segment: batches and several messages are not accepted", name, index, null, 100);
            }

            var text = Hl7Encoding.DecodeSegment(charset, line, name, index, fieldSep);
            segments.Add(Hl7Segment.Create(name, index, text, separators, charset, options.MaxFieldLength));
        }

        return segments;
    }

    private static ReadOnlySpan<byte> TrimControl(ReadOnlySpan<byte> line)
    {
        var s = 0;
        while (s < line.Length && line[s] is MllpStart or MllpEnd)
        {
            s++;
        }

        var e = line.Length;
        while (e > s && line[e - 1] is MllpStart or MllpEnd)
        {
            e--;
        }

        return line[s..e];
    }

    /// <summary>Blank = nothing but whitespace, control bytes and field separators (e.g. <c>||||</c>).</summary>
    private static bool IsBlank(ReadOnlySpan<byte> line, byte fieldSep)
    {
        foreach (var b in line)
        {
            if (b > 0x20 && b != fieldSep && b != 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private static string ReadName(ReadOnlySpan<byte> line, byte fieldSep, int index)
    {
        var ok = line.Length >= 3 && (line.Length == 3 || line[3] == fieldSep);
        for (var i = 0; ok && i < 3; i++)
        {
            ok = line[i] is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9');
        }

        if (!ok)
        {
            var head = line[..Math.Min(line.Length, 8)];
            var cut = head.IndexOf(fieldSep);
            var shown = Hl7Separators.Printable(cut < 0 ? head : head[..cut]);
            throw new Hl7ParseException(
                Hl7ErrorKind.Malformed,
                $"segment name '{shown}' is not 3 upper-case letters or digits followed by the field separator",
                shown, index, null, 100);
        }

        return Encoding.ASCII.GetString(line[..3]);
    }
}
