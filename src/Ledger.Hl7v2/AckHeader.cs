using System.Text;

namespace Ledger.Hl7v2;

/// <summary>
/// The inbound MSH values an acknowledgment needs. Field values are kept raw (as sent, in the inbound
/// delimiters), without segment terminators.
/// </summary>
/// <param name="Separators">The inbound delimiters, used to write the ACK.</param>
/// <param name="SendingApplication">MSH-3 as sent (MSH-5 of the ACK).</param>
/// <param name="SendingFacility">MSH-4 as sent (MSH-6 of the ACK).</param>
/// <param name="ReceivingApplication">MSH-5 as sent (MSH-3 of the ACK).</param>
/// <param name="ReceivingFacility">MSH-6 as sent (MSH-4 of the ACK).</param>
/// <param name="ControlId">MSH-10, echoed in MSA-2; null when unknown.</param>
/// <param name="TriggerEvent">MSH-9.2, echoed in the ACK's MSH-9; null when unknown.</param>
/// <param name="ProcessingId">MSH-11.1 (P when unknown).</param>
/// <param name="Version">MSH-12.1 (2.5.1 when unknown).</param>
public sealed record AckHeader(
    Hl7Separators Separators,
    string SendingApplication,
    string SendingFacility,
    string ReceivingApplication,
    string ReceivingFacility,
    string? ControlId,
    string? TriggerEvent,
    string? ProcessingId,
    string? Version)
{
    private const int MaxEcho = 256;

    /// <summary>Reads the header of a parsed message.</summary>
    public static AckHeader FromMessage(Hl7Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var h = message.Header;
        return new AckHeader(
            message.Separators,
            Clip(h.Field(3).Raw),
            Clip(h.Field(4).Raw),
            Clip(h.Field(5).Raw),
            Clip(h.Field(6).Raw),
            message.ControlId,
            message.TriggerEvent,
            message.ProcessingId,
            message.Version);
    }

    /// <summary>
    /// Best-effort header for bytes that did not parse: reads what it can of the first line and never throws.
    /// Values that cannot be trusted come back empty; the separators fall back to the standard ones.
    /// </summary>
    public static AckHeader BestEffort(ReadOnlySpan<byte> input)
    {
        var start = 0;
        while (start < input.Length && input[start] is 0x0B or 0x0D or 0x0A or 0x20 or 0xEF or 0xBB or 0xBF)
        {
            start++;
        }

        var data = input[start..];
        var end = data.IndexOfAny((byte)0x0D, (byte)0x0A);
        var line = end < 0 ? data : data[..end];
        if (line.Length < 8 || !line.StartsWith("MSH"u8) || line[3] < 0x21 || line[3] > 0x7E)
        {
            return new AckHeader(Hl7Separators.Standard, "", "", "", "", null, null, null, null);
        }

        var text = Encoding.Latin1.GetString(line[..Math.Min(line.Length, 4096)]);
        var fields = text.Split(text[3]);
        Hl7Separators seps;
        var trusted = true;
        try
        {
            seps = Hl7Separators.Parse(text[3], Encoding.Latin1.GetBytes(fields[1]));
        }
        catch (Hl7ParseException)
        {
            seps = Hl7Separators.Standard;
            trusted = false;
        }

        string Get(int mshField) => mshField - 1 < fields.Length && trusted ? Clip(Printable(fields[mshField - 1])) : "";
        string? Leaf(int mshField)
        {
            var v = Get(mshField);
            var cut = v.IndexOfAny([seps.Component, seps.Repetition]);
            v = cut < 0 ? v : v[..cut];
            return v.Length == 0 ? null : v;
        }

        string? Trigger()
        {
            var parts = Get(9).Split(seps.Component);
            return parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null;
        }

        return new AckHeader(seps, Get(3), Get(4), Get(5), Get(6), Leaf(10), Trigger(), Leaf(11), Leaf(12));
    }

    private static string Clip(string value) => value.Length > MaxEcho ? value[..MaxEcho] : value;

    private static string Printable(string value)
    {
        foreach (var c in value)
        {
            if (c < 0x20 || c > 0x7E)
            {
                return "";
            }
        }

        return value;
    }
}
