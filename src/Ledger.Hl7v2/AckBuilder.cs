using System.Globalization;
using System.Text;
using NodaTime;

namespace Ledger.Hl7v2;

/// <summary>HL7 acknowledgment codes (MSA-1, original mode).</summary>
public enum AckCode
{
    /// <summary>Application accept.</summary>
    AA,

    /// <summary>Application error: the content could not be processed.</summary>
    AE,

    /// <summary>Application reject: unsupported type, version, or limits exceeded.</summary>
    AR,
}

/// <summary>
/// Builds the ACK for an inbound message. Pure: the new control id and the timestamp are parameters.
/// Sender and receiver are swapped; MSH-9 is <c>ACK^{inbound trigger}^ACK</c>; MSH-12 repeats the inbound
/// version (2.5.1 when unknown). For AE/AR an ERR segment gives the location and the table 0357 code: v2.3–2.4
/// style ERR-1 (<c>SEG^seq^field^code&amp;text&amp;HL70357</c>) for those versions, otherwise ERR-2 location,
/// ERR-3 code, ERR-4 severity E and ERR-8 text. Segments end with CR.
/// </summary>
public static class AckBuilder
{
    /// <summary>Builds an ACK; <paramref name="error"/> is required for AE/AR and ignored for AA.</summary>
    public static string Build(
        AckHeader inbound, AckCode code, string controlId, OffsetDateTime timestamp, Hl7ParseException? error = null)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(controlId);
        if (code != AckCode.AA && error is null)
        {
            throw new ArgumentException("an AE or AR acknowledgment needs the error it reports", nameof(error));
        }

        var s = inbound.Separators;
        var f = s.Field;
        var version = inbound.Version ?? "2.5.1";
        var sb = new StringBuilder(256);
        sb.Append("MSH").Append(f).Append(s.EncodingCharacters)
            .Append(f).Append(inbound.ReceivingApplication)
            .Append(f).Append(inbound.ReceivingFacility)
            .Append(f).Append(inbound.SendingApplication)
            .Append(f).Append(inbound.SendingFacility)
            .Append(f).Append(FormatTimestamp(timestamp))
            .Append(f)
            .Append(f).Append("ACK");
        if (inbound.TriggerEvent is { } trigger)
        {
            sb.Append(s.Component).Append(Esc(trigger, s)).Append(s.Component).Append("ACK");
        }

        sb.Append(f).Append(Esc(controlId, s))
            .Append(f).Append(Esc(inbound.ProcessingId ?? "P", s))
            .Append(f).Append(Esc(version, s))
            .Append('\r');

        var legacy = version is "2.3" or "2.3.1" or "2.4";
        sb.Append("MSA").Append(f).Append(code.ToString()).Append(f).Append(Esc(inbound.ControlId ?? "", s));
        if (legacy && code != AckCode.AA)
        {
            sb.Append(f).Append(Esc(Truncate(error!.Reason), s));
        }

        sb.Append('\r');
        if (code != AckCode.AA)
        {
            AppendErr(sb, error!, s, legacy);
        }

        return sb.ToString();
    }

    /// <summary>HL7 DTM with seconds and offset, e.g. <c>20240131120000+0300</c>.</summary>
    public static string FormatTimestamp(OffsetDateTime timestamp)
    {
        var off = timestamp.Offset.Seconds;
        var sign = off < 0 ? '-' : '+';
        off = Math.Abs(off);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{timestamp.Year:D4}{timestamp.Month:D2}{timestamp.Day:D2}{timestamp.Hour:D2}{timestamp.Minute:D2}{timestamp.Second:D2}{sign}{off / 3600:D2}{off % 3600 / 60:D2}");
    }

    /// <summary>Text of an HL7 table 0357 code.</summary>
    public static string ErrorCodeText(int code) => code switch
    {
        0 => "Message accepted",
        100 => "Segment sequence error",
        101 => "Required field missing",
        102 => "Data type error",
        103 => "Table value not found",
        200 => "Unsupported message type",
        201 => "Unsupported event code",
        202 => "Unsupported processing id",
        203 => "Unsupported version id",
        _ => "Application internal error",
    };

    private static void AppendErr(StringBuilder sb, Hl7ParseException error, Hl7Separators s, bool legacy)
    {
        var f = s.Field;
        var c = s.Component;
        var sub = s.Subcomponent == '\0' ? s.Component : s.Subcomponent;
        var code = error.ErrorCode.ToString(CultureInfo.InvariantCulture);
        var codeText = ErrorCodeText(error.ErrorCode);
        var location = new StringBuilder();
        if (error.SegmentName is not null || error.SegmentIndex is not null)
        {
            location.Append(Esc(error.SegmentName ?? "", s)).Append(c)
                .Append(error.SegmentIndex?.ToString(CultureInfo.InvariantCulture)).Append(c)
                .Append(error.FieldNumber?.ToString(CultureInfo.InvariantCulture));
        }

        sb.Append("ERR").Append(f);
        if (legacy)
        {
            if (location.Length == 0)
            {
                location.Append(c).Append(c);
            }

            sb.Append(location).Append(c).Append(code).Append(sub).Append(codeText).Append(sub).Append("HL70357").Append('\r');
            return;
        }

        sb.Append(f).Append(location)
            .Append(f).Append(code).Append(c).Append(codeText).Append(c).Append("HL70357")
            .Append(f).Append('E')
            .Append(f).Append(f).Append(f).Append(f)
            .Append(Esc(Truncate(error.Reason), s))
            .Append('\r');
    }

    private static string Truncate(string text) => text.Length > 512 ? text[..512] : text;

    private static string Esc(string text, Hl7Separators s) => Hl7Escapes.Encode(text, s);
}
