using Ledger.App.Ingestion.Parsed;
using Ledger.Hl7v2;
using NodaTime;

namespace Ledger.App.Ingestion.Hl7v2Mapping;

/// <summary>OBX → <see cref="LabObservation"/> (value types, units, ranges, flags, times).</summary>
internal static class OruObservationMapper
{
    public static LabObservation Map(Hl7Segment obx, Hl7ParserOptions options)
    {
        var (code, alternate) = Hl7DataTypes.ObservationCode(obx.Field(3));
        if (code is null || code.Code is null)
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Invalid, "OBX-3 observation identifier is missing", "OBX", obx.Index, 3, 101);
        }

        var valueType = obx.Field(2).Component(1).ValueOrNull?.ToUpperInvariant();
        var values = new List<ObservationValue>();
        if (!obx.Field(5).IsEmpty)
        {
            if (valueType is null)
            {
                throw new Hl7ParseException(
                    Hl7ErrorKind.Invalid, "OBX-2 value type is missing while OBX-5 has a value", "OBX", obx.Index, 2, 101);
            }

            foreach (var rep in obx.Field(5).Repetitions())
            {
                if (Value(obx, valueType, rep) is { } v)
                {
                    values.Add(v);
                }
            }
        }

        var flags = obx.Field(8).Repetitions()
            .Select(r => r.Component(1).Value)
            .Where(v => v.Length > 0)
            .ToArray();

        return new LabObservation(
            valueType,
            code,
            alternate,
            values,
            Hl7DataTypes.Unit(obx.Field(6)),
            Hl7DataTypes.Range(obx.Field(7)),
            flags,
            obx.Field(11).ValueOrNull,
            Time(obx, 14, options),
            null,
            [],
            null)
        {
            // OBX-16 names who verified the result; OBX-19 (v2.5) is when it was analysed: both make a sign-off.
            Signature = Hl7DataTypes.Person(obx.Field(16)) is { } observer && Time(obx, 19, options) is { } at ? new ResultSignature(observer, at) : null,
        };
    }

    /// <summary>Reads a DTM/TS field (component 1); an invalid value is an <see cref="Hl7ErrorKind.Invalid"/> error.</summary>
    public static Instant? Time(Hl7Segment segment, int field, Hl7ParserOptions options) => Time(segment, field, 1, options);

    /// <summary>Reads a DTM/TS component of a field; an invalid value is an <see cref="Hl7ErrorKind.Invalid"/> error.</summary>
    public static Instant? Time(Hl7Segment segment, int field, int component, Hl7ParserOptions options)
    {
        ArgumentNullException.ThrowIfNull(segment);
        ArgumentNullException.ThrowIfNull(options);
        var text = segment.Field(field).Component(component).ValueOrNull;
        if (text is null)
        {
            return null;
        }

        if (!Hl7DateTime.TryParse(text, options.DefaultOffset, out var instant, out var error))
        {
            throw new Hl7ParseException(Hl7ErrorKind.Invalid, error!, segment.Name, segment.Index, field, 102);
        }

        return instant;
    }

    private static ObservationValue? Value(Hl7Segment obx, string valueType, Hl7Element rep)
    {
        if (rep.IsEmpty)
        {
            return null;
        }

        switch (valueType)
        {
            case "NM":
                var text = rep.Value.Trim();
                if (!Hl7Number.TryParse(text, out var number))
                {
                    throw new Hl7ParseException(
                        Hl7ErrorKind.Invalid, $"OBX-5 '{Clip(text)}' is not a number (value type NM)", "OBX", obx.Index, 5, 102);
                }

                return ObservationValue.OfNumber(number, text);
            case "SN":
                return ObservationValue.OfStructured(Structured(obx, rep), rep.Value);
            case "CE" or "CWE" or "CNE" or "CF":
                var coded = Hl7DataTypes.Coded(rep) ?? Hl7DataTypes.Coded(rep, 4);
                return coded is null ? null : ObservationValue.OfCoded(coded);
            case "ED":
                return ObservationValue.OfAttachment(EncapsulatedData(obx, rep));
            default:
                // ST, TX, FT, DT, TS, DTM, TM, and any other type: the decoded text as sent.
                var value = rep.Value;
                return value.Length == 0 ? null : ObservationValue.OfText(value);
        }
    }

    private static StructuredNumeric Structured(Hl7Segment obx, Hl7Element rep)
    {
        decimal? Number(int component)
        {
            var t = rep.Component(component).ValueOrNull;
            if (t is null)
            {
                return null;
            }

            return Hl7Number.TryParse(t, out var n)
                ? n
                : throw new Hl7ParseException(
                    Hl7ErrorKind.Invalid, $"OBX-5 SN component {component} '{Clip(t)}' is not a number", "OBX", obx.Index, 5, 102);
        }

        var comparator = rep.Component(1).ValueOrNull;
        if (comparator is not null && comparator is not ("=" or ">" or "<" or ">=" or "<=" or "<>"))
        {
            throw new Hl7ParseException(
                Hl7ErrorKind.Invalid, $"OBX-5 SN comparator '{Clip(comparator)}' is not one of = > < >= <= <>", "OBX", obx.Index, 5, 102);
        }

        var n1 = Number(2);
        var separator = rep.Component(3).ValueOrNull;
        var n2 = Number(4);
        if (n1 is null && n2 is null)
        {
            throw new Hl7ParseException(Hl7ErrorKind.Invalid, "OBX-5 SN has no number", "OBX", obx.Index, 5, 102);
        }

        return new StructuredNumeric(comparator, n1, separator, n2);
    }

    private static Attachment EncapsulatedData(Hl7Segment obx, Hl7Element rep)
    {
        var type = rep.Component(2).ValueOrNull;
        var subtype = rep.Component(3).ValueOrNull;
        var encoding = rep.Component(4).ValueOrNull?.ToUpperInvariant();
        var data = rep.Component(5).Value.Trim();
        byte[] bytes;
        switch (encoding)
        {
            case "BASE64":
                var buffer = new byte[data.Length];
                if (!Convert.TryFromBase64String(data, buffer, out var written))
                {
                    throw new Hl7ParseException(Hl7ErrorKind.Invalid, "OBX-5 ED data is not valid Base64", "OBX", obx.Index, 5, 102);
                }

                bytes = buffer[..written];
                break;
            case "HEX":
                try
                {
                    bytes = Convert.FromHexString(data);
                }
                catch (FormatException)
                {
                    throw new Hl7ParseException(Hl7ErrorKind.Invalid, "OBX-5 ED data is not valid hexadecimal", "OBX", obx.Index, 5, 102);
                }

                break;
            case "A" or null:
                bytes = obx.Charset.GetBytes(data);
                break;
            default:
                throw new Hl7ParseException(
                    Hl7ErrorKind.Invalid, $"OBX-5 ED encoding '{Clip(encoding)}' is not one of Base64, Hex, A", "OBX", obx.Index, 5, 103);
        }

        var contentType = type is null ? subtype : subtype is null ? type : $"{type}/{subtype}";
        return new Attachment(contentType, bytes, null);
    }

    private static string Clip(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
