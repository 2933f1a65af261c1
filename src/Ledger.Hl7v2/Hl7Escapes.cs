using System.Globalization;
using System.Text;

namespace Ledger.Hl7v2;

/// <summary>
/// Escape-sequence decoding, applied when a value is read (<see cref="Hl7Element.Value"/>):
/// <c>\F\ \S\ \T\ \R\ \E\</c> give the delimiters; <c>\P\</c> the v2.7 truncation character; <c>\Xhh..\</c> the
/// bytes in the message character set (kept literally when not decodable); <c>\.br\</c> a line feed;
/// <c>\H\</c> and <c>\N\</c> (highlighting) are dropped. Character-set switches <c>\Cxxyy\</c>/<c>\Mxxyyzz\</c> are
/// not implemented and kept literally, like every unknown sequence and an escape character with no closing one,
/// so that no text is lost. A message whose MSH-2 has no escape character has no escapes.
/// </summary>
public static class Hl7Escapes
{
    /// <summary>Decodes <paramref name="raw"/>.</summary>
    public static string Decode(ReadOnlySpan<char> raw, Hl7Separators separators, Encoding charset)
    {
        ArgumentNullException.ThrowIfNull(charset);
        var esc = separators.Escape;
        if (esc == '\0' || raw.IndexOf(esc) < 0)
        {
            return new string(raw);
        }

        var sb = new StringBuilder(raw.Length);
        var i = 0;
        while (i < raw.Length)
        {
            var ch = raw[i];
            if (ch != esc)
            {
                sb.Append(ch);
                i++;
                continue;
            }

            var close = raw[(i + 1)..].IndexOf(esc);
            if (close < 0)
            {
                sb.Append(raw[i..]);
                break;
            }

            var body = raw.Slice(i + 1, close);
            if (!AppendSequence(sb, body, separators, charset))
            {
                sb.Append(raw.Slice(i, close + 2));
            }

            i += close + 2;
        }

        return sb.ToString();
    }

    /// <summary>Escapes delimiters and the escape character in <paramref name="text"/> for writing.</summary>
    public static string Encode(string text, Hl7Separators separators)
    {
        ArgumentNullException.ThrowIfNull(text);
        var esc = separators.Escape;
        var sb = new StringBuilder(text.Length);
        if (esc == '\0')
        {
            // Without an escape character a delimiter cannot be written: it becomes a space.
            foreach (var ch in text)
            {
                var bad = ch == separators.Field || ch == separators.Component || ch == separators.Repetition
                    || (ch == separators.Subcomponent && ch != '\0') || ch is '\r' or '\n';
                sb.Append(bad ? ' ' : ch);
            }

            return sb.ToString();
        }

        foreach (var ch in text)
        {
            string? code = ch == separators.Field ? "F"
                : ch == separators.Component ? "S"
                : ch == separators.Subcomponent && ch != '\0' ? "T"
                : ch == separators.Repetition ? "R"
                : ch == esc ? "E"
                : ch == '\r' ? "X0D"
                : ch == '\n' ? ".br"
                : null;
            if (code is null)
            {
                sb.Append(ch);
            }
            else
            {
                sb.Append(esc).Append(code).Append(esc);
            }
        }

        return sb.ToString();
    }

    private static bool AppendSequence(StringBuilder sb, ReadOnlySpan<char> body, Hl7Separators s, Encoding charset)
    {
        if (body.IsEmpty)
        {
            return false;
        }

        if (body.Length == 1)
        {
            char? mapped = body[0] switch
            {
                'F' => s.Field,
                'S' => s.Component,
                'T' when s.Subcomponent != '\0' => s.Subcomponent,
                'R' => s.Repetition,
                'E' => s.Escape,
                'P' when s.Truncation != '\0' => s.Truncation,
                _ => null,
            };
            if (mapped is { } c)
            {
                sb.Append(c);
                return true;
            }

            return body[0] is 'H' or 'N';
        }

        if (body.SequenceEqual(".br"))
        {
            sb.Append('\n');
            return true;
        }

        if (body[0] == 'X' && body.Length > 1 && (body.Length - 1) % 2 == 0)
        {
            var hex = body[1..];
            Span<byte> buffer = hex.Length / 2 <= 256 ? stackalloc byte[hex.Length / 2] : new byte[hex.Length / 2];
            for (var k = 0; k < buffer.Length; k++)
            {
                if (!byte.TryParse(hex.Slice(k * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out buffer[k]))
                {
                    return false;
                }
            }

            var text = Hl7Encoding.TryDecode(charset, buffer);
            if (text is null)
            {
                return false;
            }

            sb.Append(text);
            return true;
        }

        return false;
    }
}
