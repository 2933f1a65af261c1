using Ledger.Domain.Identifiers;

namespace Ledger.Domain;

/// <summary>
/// The stream kinds and the stream ids built from internal ids. A stream id never contains a name, a СНИЛС or any
/// other personal identifier.
/// </summary>
public static class StreamIds
{
    public const string PatientKind = "patient";
    public const string OrganizationKind = "organization";
    public const string ResultKind = "result";
    public const string ConsentKind = "consent";
    public const string AccessKind = "access";

    public static string Patient(PatientId id) => $"{PatientKind}-{id}";

    public static string Organization(OrganizationId id) => $"{OrganizationKind}-{id}";

    public static string Result(DocumentId id) => $"{ResultKind}-{id}";

    public static string Consent(ConsentId id) => $"{ConsentKind}-{id}";

    /// <summary>The access log of one patient.</summary>
    public static string Access(PatientId id) => $"{AccessKind}-{id}";
}
