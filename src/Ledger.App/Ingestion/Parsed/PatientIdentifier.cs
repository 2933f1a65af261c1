namespace Ledger.App.Ingestion.Parsed;

/// <summary>
/// A patient identifier as sent, not yet interpreted. The application decides which candidate is the
/// СНИЛС or the ЕНП; <see cref="PatientIdentifierSystems.Recognise"/> offers the documented rules.
/// </summary>
/// <param name="Value">The identifier (HL7 CX.1, FHIR identifier.value).</param>
/// <param name="AssigningAuthority">Authority name (HL7 CX.4 HD.1 namespace id, FHIR identifier.assigner.display).</param>
/// <param name="IdentifierType">Type code (HL7 CX.5, FHIR identifier.type.coding[0].code).</param>
/// <param name="AssigningAuthorityId">
/// Authority URI: FHIR identifier.system as sent; HL7 CX.4 HD.2 universal id, as <c>urn:oid:…</c> when it is an OID.
/// </param>
public sealed record PatientIdentifierCandidate(
    string Value,
    string? AssigningAuthority,
    string? IdentifierType,
    string? AssigningAuthorityId);

/// <summary>What a patient identifier was recognised as.</summary>
public enum PatientIdentifierKind
{
    /// <summary>Not recognised.</summary>
    Unknown,

    /// <summary>СНИЛС (insurance number of an individual ledger account).</summary>
    Snils,

    /// <summary>ЕНП (single number of the compulsory medical insurance policy).</summary>
    Enp,
}
