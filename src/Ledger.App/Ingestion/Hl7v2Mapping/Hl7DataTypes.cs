using Ledger.App.Ingestion.Parsed;
using Ledger.Hl7v2;

namespace Ledger.App.Ingestion.Hl7v2Mapping;

/// <summary>Readers for the HL7 v2 composite data types the ORU mapping needs.</summary>
internal static class Hl7DataTypes
{
    /// <summary>CE/CWE/CNE triplet starting at component <paramref name="first"/> (1 or 4); null when code and text are empty.</summary>
    public static CodedValue? Coded(Hl7Element element, int first = 1)
    {
        var code = element.Component(first).ValueOrNull;
        var text = element.Component(first + 1).ValueOrNull;
        var system = element.Component(first + 2).ValueOrNull;
        return code is null && text is null ? null : new CodedValue(code, text, CodeSystems.Normalise(system));
    }

    /// <summary>Observation identifier: the LOINC triplet (primary or alternate) first, the other one second.</summary>
    public static (CodedValue? Primary, CodedValue? Alternate) ObservationCode(Hl7Element element)
    {
        var first = Coded(element, 1);
        var second = Coded(element, 4);
        if (first is null || (second is not null && second.IsLoinc && !first.IsLoinc))
        {
            return (second, first);
        }

        return (first, second);
    }

    /// <summary>CE unit: UCUM when the coding system is UCUM or absent.</summary>
    public static UnitOfMeasure? Unit(Hl7Element element)
    {
        var code = element.Component(1).ValueOrNull;
        var text = element.Component(2).ValueOrNull;
        if (code is null && text is null)
        {
            return null;
        }

        var system = CodeSystems.Normalise(element.Component(3).ValueOrNull) ?? CodeSystems.Ucum;
        return new UnitOfMeasure(code, text, system);
    }

    /// <summary>
    /// XCN (<c>id^family^given</c>) or, when component 1 has subcomponents, CNN/NDL
    /// (<c>id&amp;family&amp;given</c>, as in OBR-32).
    /// </summary>
    public static ResponsibleParty? Person(Hl7Element field)
    {
        var first = field.Component(1);
        string? id, family, given;
        if (first.Subcomponent(2).ValueOrNull is not null || first.Subcomponent(3).ValueOrNull is not null)
        {
            id = first.Subcomponent(1).ValueOrNull;
            family = first.Subcomponent(2).ValueOrNull;
            given = first.Subcomponent(3).ValueOrNull;
        }
        else
        {
            id = first.ValueOrNull;
            family = field.Component(2).Subcomponent(1).ValueOrNull;
            given = field.Component(3).ValueOrNull;
        }

        if (id is null && family is null && given is null)
        {
            return null;
        }

        var display = family is null ? given : given is null ? family : $"{family} {given}";
        return new ResponsibleParty(id, family, given, display);
    }

    /// <summary>CX: value, assigning authority (HD.1 and HD.2), identifier type.</summary>
    public static PatientIdentifierCandidate? Identifier(Hl7Element repetition)
    {
        var value = repetition.Component(1).ValueOrNull;
        if (value is null)
        {
            return null;
        }

        var authority = repetition.Component(4);
        var ns = authority.Subcomponent(1).ValueOrNull;
        var universal = authority.Subcomponent(2).ValueOrNull;
        var universalType = authority.Subcomponent(3).ValueOrNull;
        if (universal is not null && (string.Equals(universalType, "ISO", StringComparison.OrdinalIgnoreCase) || IsOid(universal)))
        {
            universal = "urn:oid:" + universal;
        }

        return new PatientIdentifierCandidate(value, ns, repetition.Component(5).ValueOrNull, universal);
    }

    /// <summary>
    /// Reference range: <c>low-high</c>, <c>low&amp;high</c> (subcomponents), <c>low to high</c>, <c>&lt;x</c>,
    /// <c>&lt;=x</c> (high), <c>&gt;x</c>, <c>&gt;=x</c> (low); anything else only as text.
    /// </summary>
    public static ReferenceRange? Range(Hl7Element field)
    {
        var text = field.ValueOrNull;
        if (text is null)
        {
            return null;
        }

        var low = field.Component(1).Subcomponent(1).ValueOrNull;
        var high = field.Component(1).Subcomponent(2).ValueOrNull;
        if (high is not null && Hl7Number.TryParse(low, out var l1) && Hl7Number.TryParse(high, out var h1))
        {
            return new ReferenceRange(l1, h1, text);
        }

        return ParseRangeText(text);
    }

    /// <summary>Text-only range parsing, shared with FHIR-free callers.</summary>
    public static ReferenceRange ParseRangeText(string text)
    {
        var t = text.Trim();
        foreach (var (prefix, isHigh) in new[] { ("<=", true), (">=", false), ("<", true), (">", false) })
        {
            if (t.StartsWith(prefix, StringComparison.Ordinal))
            {
                var num = t[prefix.Length..].Trim();
                var space = num.IndexOf(' ', StringComparison.Ordinal);
                num = space < 0 ? num : num[..space];
                if (Hl7Number.TryParse(num, out var v))
                {
                    return isHigh ? new ReferenceRange(null, v, text) : new ReferenceRange(v, null, text);
                }

                return new ReferenceRange(null, null, text);
            }
        }

        var to = t.IndexOf(" to ", StringComparison.OrdinalIgnoreCase);
        if (to > 0 && Hl7Number.TryParse(t[..to], out var a) && Hl7Number.TryParse(t[(to + 4)..], out var b))
        {
            return new ReferenceRange(a, b, text);
        }

        var dash = t.IndexOf('-', 1);
        if (dash > 0 && Hl7Number.TryParse(t[..dash], out var lo) && Hl7Number.TryParse(t[(dash + 1)..], out var hi))
        {
            return new ReferenceRange(lo, hi, text);
        }

        return new ReferenceRange(null, null, text);
    }

    private static bool IsOid(string s)
    {
        if (s.Length == 0 || !char.IsAsciiDigit(s[0]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c) && c != '.')
            {
                return false;
            }
        }

        return s.Contains('.', StringComparison.Ordinal);
    }
}
