using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ledger.EventStore.Hashing;

/// <summary>
/// Renders JSON exactly as PostgreSQL prints a <c>jsonb</c> value (<c>data::text</c>): object keys ordered by
/// byte length and then by bytes, the last of duplicate keys kept, <c>": "</c> and <c>", "</c> separators,
/// strings escaped as PostgreSQL escapes them, numbers as <c>numeric</c> prints them. The store writes
/// payloads in this form and hashes these bytes, so a hash can be recomputed from what the database
/// returns, and from an export, without knowing how the JSON was first written.
/// </summary>
public static class JsonbText
{
    private const int MaxDepth = 256;

    /// <summary>Renders UTF-8 JSON in PostgreSQL's jsonb text form, as UTF-8.</summary>
    public static byte[] RenderUtf8(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read())
        {
            throw new JsonException("empty JSON");
        }

        var output = new ArrayBufferWriter<byte>(utf8Json.Length + 64);
        WriteValue(ref reader, output);
        if (reader.Read())
        {
            throw new JsonException("trailing content after the JSON value");
        }

        return output.WrittenSpan.ToArray();
    }

    /// <summary>Renders UTF-8 JSON in PostgreSQL's jsonb text form.</summary>
    public static string Render(ReadOnlySpan<byte> utf8Json) => Encoding.UTF8.GetString(RenderUtf8(utf8Json));

    /// <summary>Renders a JSON string in PostgreSQL's jsonb text form.</summary>
    public static string Render(string json) => Render(Encoding.UTF8.GetBytes(json));

    private static void WriteValue(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader, output);
                break;
            case JsonTokenType.StartArray:
                output.Write("["u8);
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        output.Write(", "u8);
                    }

                    first = false;
                    WriteValue(ref reader, output);
                }

                output.Write("]"u8);
                break;
            case JsonTokenType.String:
            case JsonTokenType.PropertyName:
                WriteString(ref reader, output);
                break;
            case JsonTokenType.Number:
                WriteNumber(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan, output);
                break;
            case JsonTokenType.True:
                output.Write("true"u8);
                break;
            case JsonTokenType.False:
                output.Write("false"u8);
                break;
            case JsonTokenType.Null:
                output.Write("null"u8);
                break;
            default:
                throw new JsonException($"unexpected JSON token {reader.TokenType}");
        }
    }

    /// <summary>
    /// Writes members as they come, remembering where each key and value landed; then, when the keys are not
    /// already in jsonb order or repeat, rewrites the object's bytes in that order keeping the last duplicate.
    /// </summary>
    private static void WriteObject(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output)
    {
        var start = output.WrittenCount;
        output.Write("{"u8);
        List<Member>? members = null;
        var inOrder = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            members ??= [];
            if (members.Count > 0)
            {
                output.Write(", "u8);
            }

            var keyStart = output.WrittenCount;
            WriteString(ref reader, output);
            var keyEnd = output.WrittenCount;
            output.Write(": "u8);
            reader.Read();
            WriteValue(ref reader, output);
            var member = new Member(keyStart, keyEnd, output.WrittenCount);
            if (members.Count > 0 && KeyOrder(output.WrittenSpan, members[^1], member) >= 0)
            {
                inOrder = false;
            }

            members.Add(member);
        }

        output.Write("}"u8);
        if (inOrder || members is null)
        {
            return;
        }

        var written = output.WrittenSpan;
        var ordered = members.ToArray();
        var index = Enumerable.Range(0, ordered.Length).ToArray();
        var snapshot = written.ToArray();
        Array.Sort(index, (a, b) =>
        {
            var byKey = KeyOrder(snapshot, ordered[a], ordered[b]);
            return byKey != 0 ? byKey : a.CompareTo(b);
        });

        var rebuilt = new ArrayBufferWriter<byte>(written.Length - start);
        rebuilt.Write("{"u8);
        var count = 0;
        for (var i = 0; i < index.Length; i++)
        {
            // Of keys that repeat, jsonb keeps the last one written.
            if (i + 1 < index.Length && KeyOrder(snapshot, ordered[index[i]], ordered[index[i + 1]]) == 0)
            {
                continue;
            }

            if (count++ > 0)
            {
                rebuilt.Write(", "u8);
            }

            var m = ordered[index[i]];
            rebuilt.Write(snapshot.AsSpan(m.KeyStart, m.End - m.KeyStart));
        }

        rebuilt.Write("}"u8);
        output.ResetWrittenCount();
        output.Write(snapshot.AsSpan(0, start));
        output.Write(rebuilt.WrittenSpan);
    }

    /// <summary>jsonb's key order: shorter keys first, then by bytes (compared on the unescaped key).</summary>
    private static int KeyOrder(ReadOnlySpan<byte> buffer, Member a, Member b)
    {
        // Keys are written quoted and escaped the same way, so comparing the written bytes without the quotes
        // orders them as PostgreSQL does unless an escape changes the length; keys with escapes are compared
        // after unescaping.
        var x = buffer.Slice(a.KeyStart + 1, a.KeyEnd - a.KeyStart - 2);
        var y = buffer.Slice(b.KeyStart + 1, b.KeyEnd - b.KeyStart - 2);
        if (x.Contains((byte)'\\') || y.Contains((byte)'\\'))
        {
            var ux = Unescape(x);
            var uy = Unescape(y);
            return ux.Length != uy.Length ? ux.Length.CompareTo(uy.Length) : ux.AsSpan().SequenceCompareTo(uy);
        }

        return x.Length != y.Length ? x.Length.CompareTo(y.Length) : x.SequenceCompareTo(y);
    }

    private static byte[] Unescape(ReadOnlySpan<byte> written)
    {
        var quoted = new byte[written.Length + 2];
        quoted[0] = (byte)'"';
        written.CopyTo(quoted.AsSpan(1));
        quoted[^1] = (byte)'"';
        var reader = new Utf8JsonReader(quoted);
        reader.Read();
        return Encoding.UTF8.GetBytes(reader.GetString()!);
    }

    private static void WriteString(ref Utf8JsonReader reader, ArrayBufferWriter<byte> output)
    {
        output.Write("\""u8);
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            // Unescaped JSON string bytes hold no quote, backslash or control character: copy as they are.
            output.Write(reader.ValueSpan);
        }
        else
        {
            var value = reader.GetString()!;
            foreach (var rune in value.EnumerateRunes())
            {
                switch (rune.Value)
                {
                    case '"': output.Write("\\\""u8); break;
                    case '\\': output.Write("\\\\"u8); break;
                    case '\b': output.Write("\\b"u8); break;
                    case '\f': output.Write("\\f"u8); break;
                    case '\n': output.Write("\\n"u8); break;
                    case '\r': output.Write("\\r"u8); break;
                    case '\t': output.Write("\\t"u8); break;
                    case 0: throw new JsonException("PostgreSQL jsonb cannot store the character U+0000");
                    case < 0x20:
                        output.Write(Encoding.ASCII.GetBytes("\\u" + rune.Value.ToString("x4", CultureInfo.InvariantCulture)));
                        break;
                    default:
                        var span = output.GetSpan(4);
                        output.Advance(rune.EncodeToUtf8(span));
                        break;
                }
            }
        }

        output.Write("\""u8);
    }

    /// <summary>A JSON number as PostgreSQL's numeric type prints it (no exponent, no negative zero).</summary>
    private static void WriteNumber(ReadOnlySpan<byte> token, ArrayBufferWriter<byte> output)
    {
        if (token.IndexOfAny("eE"u8) < 0 && !(token[0] == (byte)'-' && IsZero(token[1..])))
        {
            output.Write(token);
            return;
        }

        output.Write(Encoding.ASCII.GetBytes(NormalizeNumber(Encoding.ASCII.GetString(token))));
    }

    private static bool IsZero(ReadOnlySpan<byte> digits)
    {
        foreach (var b in digits)
        {
            if (b is not ((byte)'0' or (byte)'.'))
            {
                return false;
            }
        }

        return true;
    }

    private static string NormalizeNumber(string text)
    {
        var exponentAt = text.AsSpan().IndexOfAny('e', 'E');
        var mantissa = exponentAt < 0 ? text : text[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var negative = mantissa.StartsWith('-');
        if (negative)
        {
            mantissa = mantissa[1..];
        }

        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var digits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var scale = dot < 0 ? 0 : mantissa.Length - dot - 1;

        // value = digits × 10^(exponent − scale); numeric keeps max(0, scale − exponent) decimals.
        var decimals = Math.Max(0, scale - exponent);
        if (exponent - scale > 0)
        {
            digits += new string('0', exponent - scale);
        }

        if (digits.Length <= decimals)
        {
            digits = new string('0', decimals - digits.Length + 1) + digits;
        }

        var integer = (decimals == 0 ? digits : digits[..^decimals]).TrimStart('0');
        if (integer.Length == 0)
        {
            integer = "0";
        }

        var fraction = decimals == 0 ? string.Empty : "." + digits[^decimals..];
        var isZero = integer == "0" && fraction.AsSpan().TrimStart('.').TrimStart('0').IsEmpty;
        return (negative && !isZero ? "-" : string.Empty) + integer + fraction;
    }

    private readonly record struct Member(int KeyStart, int KeyEnd, int End);
}
