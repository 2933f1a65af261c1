namespace Ledger.App.Ingestion.Parsed;

/// <summary>
/// The accepted identifier systems and authority names for Russian patient identifiers. There is no
/// official FHIR NamingSystem URI for СНИЛС or ЕНП, so the ledger accepts the documented lists below
/// (also listed in docs/ingestion-mapping.md). Matching is case-insensitive and ignores surrounding spaces.
/// </summary>
public static class PatientIdentifierSystems
{
    /// <summary>OID of the СНИЛС register (Pension and Social Insurance Fund).</summary>
    public const string SnilsOid = "1.2.643.100.3";

    /// <summary>OID used for the ЕНП (single compulsory medical insurance policy number).</summary>
    public const string EnpOid = "1.2.643.5.1.13.2.1.1.2";

    /// <summary>System URIs (FHIR identifier.system, or HL7 CX.4 universal id as urn:oid) meaning СНИЛС.</summary>
    public static IReadOnlyList<string> SnilsSystems { get; } =
    [
        "urn:oid:" + SnilsOid,
        "https://ledger.example/fhir/sid/snils",
    ];

    /// <summary>System URIs meaning ЕНП.</summary>
    public static IReadOnlyList<string> EnpSystems { get; } =
    [
        "urn:oid:" + EnpOid,
        "https://ledger.example/fhir/sid/enp",
    ];

    /// <summary>HL7 CX.4 namespace ids (assigning authority names) meaning СНИЛС.</summary>
    public static IReadOnlyList<string> SnilsAuthorityNames { get; } = ["СНИЛС", "SNILS"];

    /// <summary>HL7 CX.4 namespace ids meaning ЕНП.</summary>
    public static IReadOnlyList<string> EnpAuthorityNames { get; } = ["ЕНП", "ENP"];

    /// <summary>HL7 CX.5 / FHIR identifier type codes meaning СНИЛС (PEN = pension number, HL7 table 0203).</summary>
    public static IReadOnlyList<string> SnilsTypeCodes { get; } = ["SNILS", "PEN"];

    /// <summary>HL7 CX.5 / FHIR identifier type codes meaning ЕНП.</summary>
    public static IReadOnlyList<string> EnpTypeCodes { get; } = ["ENP"];

    /// <summary>Recognises a candidate by its authority id, then its authority name, then its type code.</summary>
    public static PatientIdentifierKind Recognise(PatientIdentifierCandidate candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (Matches(SnilsSystems, candidate.AssigningAuthorityId)
            || Matches(SnilsAuthorityNames, candidate.AssigningAuthority)
            || Matches(SnilsTypeCodes, candidate.IdentifierType))
        {
            return PatientIdentifierKind.Snils;
        }

        if (Matches(EnpSystems, candidate.AssigningAuthorityId)
            || Matches(EnpAuthorityNames, candidate.AssigningAuthority)
            || Matches(EnpTypeCodes, candidate.IdentifierType))
        {
            return PatientIdentifierKind.Enp;
        }

        return PatientIdentifierKind.Unknown;
    }

    private static bool Matches(IReadOnlyList<string> list, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        var v = value.Trim();
        foreach (var item in list)
        {
            if (string.Equals(item, v, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
