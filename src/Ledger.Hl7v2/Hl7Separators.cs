namespace Ledger.Hl7v2;

/// <summary>
/// Delimiters from MSH-1 and MSH-2. <c>'\0'</c> marks a delimiter the message does not define
/// (MSH-2 may omit the escape and subcomponent characters, e.g. <c>^~&amp;</c> has no escape character).
/// </summary>
/// <param name="Field">The field separator (MSH-1), usually <c>|</c>.</param>
/// <param name="Component">The component separator, usually <c>^</c>.</param>
/// <param name="Repetition">The repetition separator, usually <c>~</c>.</param>
/// <param name="Escape">The escape character, usually <c>\</c>; <c>'\0'</c> when MSH-2 has none.</param>
/// <param name="Subcomponent">The subcomponent separator, usually <c>&amp;</c>; <c>'\0'</c> when MSH-2 has none.</param>
/// <param name="Truncation">The v2.7 truncation character (<c>#</c> in v2.7), kept as data; <c>'\0'</c> when MSH-2 has none.</param>
public readonly record struct Hl7Separators(
    char Field, char Component, char Repetition, char Escape, char Subcomponent, char Truncation)
{
    /// <summary>The standard <c>|^~\&amp;</c>.</summary>
    public static Hl7Separators Standard { get; } = new('|', '^', '~', '\\', '&', '\0');

    /// <summary>The MSH-2 value these separators were read from (or would be written as).</summary>
    public string EncodingCharacters
    {
        get
        {
            Span<char> buf = stackalloc char[5];
            var n = 0;
            buf[n++] = Component;
            buf[n++] = Repetition;
            if (Escape != '\0')
            {
                buf[n++] = Escape;
            }

            if (Subcomponent != '\0')
            {
                buf[n++] = Subcomponent;
            }

            if (Truncation != '\0')
            {
                buf[n++] = Truncation;
            }

            return new string(buf[..n]);
        }
    }

    /// <summary>
    /// Reads MSH-2. Rules: 2 chars = component, repetition; 3 chars = component, repetition, then the escape
    /// character if it is <c>\</c>, else the subcomponent separator (the <c>^~&amp;</c> seen in practice);
    /// 4 = component, repetition, escape, subcomponent; 5 = plus the v2.7 truncation character (kept as data).
    /// Every character must be printable ASCII, not alphanumeric, not a space, distinct, and not the field separator.
    /// </summary>
    internal static Hl7Separators Parse(char field, ReadOnlySpan<byte> msh2)
    {
        if (msh2.Length < 2)
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Malformed,
                $"MSH-2 encoding characters '{Printable(msh2)}' are too short: at least the component and repetition separators are required",
                "MSH", 1, 2);
        }

        if (msh2.Length > 5)
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Malformed,
                $"MSH-2 encoding characters '{Printable(msh2)}' are too long: at most 5 characters are allowed",
                "MSH", 1, 2);
        }

        Span<char> c = stackalloc char[5];
        for (var i = 0; i < msh2.Length; i++)
        {
            var b = msh2[i];
            if (b < 0x21 || b > 0x7E || char.IsAsciiLetterOrDigit((char)b) || b == (byte)field)
            {
                throw new Hl7ParseException(
                    Hl7ErrorKind.Malformed,
                    $"MSH-2 encoding character 0x{b:X2} at position {i + 1} is not allowed (printable ASCII punctuation other than the field separator)",
                    "MSH", 1, 2);
            }

            for (var j = 0; j < i; j++)
            {
                if (c[j] == (char)b)
                {
                    throw new Hl7ParseException(
                        Hl7ErrorKind.Malformed, $"MSH-2 encoding character '{(char)b}' is repeated", "MSH", 1, 2);
                }
            }

            c[i] = (char)b;
        }

        return msh2.Length switch
        {
            2 => new Hl7Separators(field, c[0], c[1], '\0', '\0', '\0'),
            3 when c[2] == '\\' => new Hl7Separators(field, c[0], c[1], c[2], '\0', '\0'),
            3 => new Hl7Separators(field, c[0], c[1], '\0', c[2], '\0'),
            4 => new Hl7Separators(field, c[0], c[1], c[2], c[3], '\0'),
            _ => new Hl7Separators(field, c[0], c[1], c[2], c[3], c[4]),
        };
    }

    internal static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new System.Text.StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and < 0x7F)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        return sb.ToString();
    }
}
