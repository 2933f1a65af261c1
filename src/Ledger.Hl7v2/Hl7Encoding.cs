using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Ledger.Hl7v2;

/// <summary>
/// MSH-18 character sets. Supported: <c>UNICODE UTF-8</c> (also <c>UTF-8</c>, <c>UNICODE</c>), <c>ASCII</c>,
/// <c>8859/1</c> (Latin-1), <c>8859/5</c> (Cyrillic), and the non-standard <c>WINDOWS-1251</c>/<c>CP1251</c>.
/// Absent: UTF-8 when the bytes are valid UTF-8, else Latin-1. Decoding is strict: a byte that is not valid in
/// the declared set is an <see cref="Hl7ErrorKind.Encoding"/> error with its location.
/// </summary>
public static class Hl7Encoding
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(false, true);
    private static readonly Encoding StrictAscii = Encoding.GetEncoding(
        "us-ascii", EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);

    /// <summary>Resolves an MSH-18 value; null/empty means "detect". Unknown names are <see cref="Hl7ErrorKind.Unsupported"/>.</summary>
    public static Encoding? Resolve(string? msh18)
    {
        if (string.IsNullOrWhiteSpace(msh18))
        {
            return null;
        }

        return msh18.Trim().ToUpperInvariant() switch
        {
            "UNICODE UTF-8" or "UTF-8" or "UTF8" or "UNICODE" => StrictUtf8,
            "ASCII" => StrictAscii,
            "8859/1" => Encoding.Latin1,
            "8859/5" => CodePage(28595),
            "WINDOWS-1251" or "CP1251" => CodePage(1251),
            _ => throw new Hl7ParseException(
                Hl7ErrorKind.Unsupported,
                $"character set '{msh18}' is not supported (supported: UNICODE UTF-8, ASCII, 8859/1, 8859/5, WINDOWS-1251)",
                "MSH", 1, 18, 207),
        };
    }

    /// <summary>Picks UTF-8 when <paramref name="message"/> is valid UTF-8, otherwise Latin-1.</summary>
    public static Encoding Detect(ReadOnlySpan<byte> message) => Utf8.IsValid(message) ? StrictUtf8 : Encoding.Latin1;

    /// <summary>True for the strict UTF-8 instance handed out by this class.</summary>
    internal static bool IsUtf8(Encoding encoding) => encoding.CodePage == 65001;

    /// <summary>Decodes one segment, reporting the first undecodable byte with its field number.</summary>
    internal static string DecodeSegment(
        Encoding encoding, ReadOnlySpan<byte> bytes, string segmentName, int segmentIndex, byte fieldSeparator)
    {
        var bad = FindInvalid(encoding, bytes);
        if (bad >= 0)
        {
            var field = 0;
            for (var i = 0; i < bad; i++)
            {
                if (bytes[i] == fieldSeparator)
                {
                    field++;
                }
            }

            if (segmentName == "MSH")
            {
                field++;
            }

            throw new Hl7ParseException(
                Hl7ErrorKind.Encoding,
                $"byte 0x{bytes[bad]:X2} at offset {bad} of the segment is not valid {encoding.WebName}",
                segmentName, segmentIndex, field == 0 ? null : field, 102);
        }

        return encoding.GetString(bytes);
    }

    /// <summary>Decodes bytes from a <c>\X..\</c> escape; null when they are not valid in the charset.</summary>
    internal static string? TryDecode(Encoding encoding, ReadOnlySpan<byte> bytes) =>
        FindInvalid(encoding, bytes) >= 0 ? null : encoding.GetString(bytes);

    private static int FindInvalid(Encoding encoding, ReadOnlySpan<byte> bytes)
    {
        if (IsUtf8(encoding))
        {
            var offset = 0;
            while (offset < bytes.Length)
            {
                var status = System.Text.Rune.DecodeFromUtf8(bytes[offset..], out _, out var consumed);
                if (status != OperationStatus.Done)
                {
                    return offset;
                }

                offset += consumed;
            }

            return -1;
        }

        if (encoding.CodePage == 20127)
        {
            return bytes.IndexOfAnyExceptInRange((byte)0, (byte)0x7F);
        }

        if (encoding.CodePage == 1251)
        {
            // 0x98 is the only byte windows-1251 leaves undefined.
            return bytes.IndexOf((byte)0x98);
        }

        return -1;
    }

    private static Encoding CodePage(int codePage)
    {
        // CodePagesEncodingProvider ships in the shared framework; it is used directly so that the process-wide
        // Encoding registry is left untouched.
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(codePage)
            ?? throw new Hl7ParseException(
                Hl7ErrorKind.Unsupported, $"code page {codePage} is not available", "MSH", 1, 18, 207);
        return encoding;
    }
}
