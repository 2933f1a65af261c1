namespace Ledger.App.Ingestion.Parsed;

/// <summary>Code system URIs used in the neutral DTOs, and the HL7 v2 names mapped onto them.</summary>
public static class CodeSystems
{
    /// <summary>LOINC (HL7 v2 <c>LN</c>, OID 2.16.840.1.113883.6.1).</summary>
    public const string Loinc = "http://loinc.org";

    /// <summary>UCUM (HL7 v2 <c>UCUM</c>, OID 2.16.840.1.113883.6.8).</summary>
    public const string Ucum = "http://unitsofmeasure.org";

    /// <summary>SNOMED CT (HL7 v2 <c>SCT</c>/<c>SNM</c>, OID 2.16.840.1.113883.6.96).</summary>
    public const string Snomed = "http://snomed.info/sct";

    /// <summary>
    /// Maps a system as sent (HL7 v2 table 0396 name, OID, or URI) to the URI above when it is one of
    /// LOINC, UCUM or SNOMED CT; any other value is returned unchanged (trimmed), empty becomes null.
    /// </summary>
    public static string? Normalise(string? system)
    {
        if (string.IsNullOrWhiteSpace(system))
        {
            return null;
        }

        var s = system.Trim();
        return s.ToUpperInvariant() switch
        {
            "LN" or "LOINC" or "2.16.840.1.113883.6.1" or "URN:OID:2.16.840.1.113883.6.1" or "HTTP://LOINC.ORG" => Loinc,
            "UCUM" or "2.16.840.1.113883.6.8" or "URN:OID:2.16.840.1.113883.6.8" or "HTTP://UNITSOFMEASURE.ORG" => Ucum,
            "SCT" or "SNM" or "SNOMED" or "SNOMEDCT" or "2.16.840.1.113883.6.96" or "URN:OID:2.16.840.1.113883.6.96"
                or "HTTP://SNOMED.INFO/SCT" => Snomed,
            _ => s,
        };
    }
}
