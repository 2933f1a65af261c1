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

    /// <summary>Renders UTF-8 JSON in PostgreSQL's jsonb text form.</summary>
    public static string Render(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = MaxDepth });
        if (!reader.Read())
        {
            throw new JsonException("empty JSON");
        }

        var builder = new StringBuilder(utf8Json.Length + 16);
        WriteValue(ref reader, builder);
        if (reader.Read())
        {
            throw new JsonException("trailing content after the JSON value");
        }

        return builder.ToString();
    }

    /// <summary>Renders a JSON string in PostgreSQL's jsonb text form.</summary>
    public static string Render(string json) => Render(Encoding.UTF8.GetBytes(json));

    private static void WriteValue(ref Utf8JsonReader reader, StringBuilder builder)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                WriteObject(ref reader, builder);
                break;
            case JsonTokenType.StartArray:
                builder.Append('[');
                var first = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (!first)
                    {
                        builder.Append(", ");
                    }

                    first = false;
                    WriteValue(ref reader, builder);
                }

                builder.Append(']');
                break;
            case JsonTokenType.String:
                WriteString(reader.GetString()!, builder);
                break;
            case JsonTokenType.Number:
                builder.Append(Number(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan));
                break;
            case JsonTokenType.True:
                builder.Append("true");
                break;
            case JsonTokenType.False:
                builder.Append("false");
                break;
            case JsonTokenType.Null:
                builder.Append("null");
                break;
            default:
                throw new JsonException($"unexpected JSON token {reader.TokenType}");
        }
    }

    private static void WriteObject(ref Utf8JsonReader reader, StringBuilder builder)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            var value = new StringBuilder();
            WriteValue(ref reader, value);
            members[key] = value.ToString();
        }

        builder.Append('{');
        var first = true;
        foreach (var (key, value) in members.Select(m => (Key: m.Key, Bytes: Encoding.UTF8.GetBytes(m.Key), m.Value)).OrderBy(m => m.Bytes, KeyOrder.Instance).Select(m => (m.Key, m.Value)))
        {
            if (!first)
            {
                builder.Append(", ");
            }

            first = false;
            WriteString(key, builder);
            builder.Append(": ").Append(value);
        }

        builder.Append('}');
    }

    private static void WriteString(string value, StringBuilder builder)
    {
        builder.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\0': throw new JsonException("PostgreSQL jsonb cannot store the character U+0000");
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        builder.Append('"');
    }

    /// <summary>A JSON number as PostgreSQL's numeric type prints it (no exponent, no negative zero).</summary>
    private static string Number(ReadOnlySpan<byte> token)
    {
        var text = Encoding.ASCII.GetString(token);
        var exponentAt = text.AsSpan().IndexOfAny('e', 'E');
        string mantissa;
        int exponent;
        if (exponentAt < 0)
        {
            mantissa = text;
            exponent = 0;
        }
        else
        {
            mantissa = text[..exponentAt];
            exponent = int.Parse(text.AsSpan(exponentAt + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

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
        var shift = exponent - scale;
        if (shift > 0)
        {
            digits += new string('0', shift);
        }

        if (digits.Length <= decimals)
        {
            digits = new string('0', decimals - digits.Length + 1) + digits;
        }

        var integer = digits[..^decimals].TrimStart('0');
        if (decimals == 0)
        {
            integer = digits.TrimStart('0');
        }

        if (integer.Length == 0)
        {
            integer = "0";
        }

        var fraction = decimals == 0 ? string.Empty : "." + digits[^decimals..];
        var isZero = integer == "0" && fraction.AsSpan().TrimStart('.').TrimStart('0').IsEmpty;
        return (negative && !isZero ? "-" : string.Empty) + integer + fraction;
    }

    private sealed class KeyOrder : IComparer<byte[]>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y)
        {
            if (x!.Length != y!.Length)
            {
                return x.Length.CompareTo(y.Length);
            }

            return x.AsSpan().SequenceCompareTo(y);
        }
    }
}
