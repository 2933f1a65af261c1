namespace Ledger.App.Security;

/// <summary>The roles a token can carry.</summary>
public static class Roles
{
    public const string Patient = "patient";
    public const string Doctor = "doctor";
    public const string Auditor = "auditor";
    public const string Support = "support";
    public const string Organization = "organization";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Patient, Doctor, Auditor, Support, Organization, Admin];
}

/// <summary>Claim names of the ledger's tokens.</summary>
public static class LedgerClaims
{
    /// <summary>The internal id of the actor (for a patient: the patient id; for an organisation: its id).</summary>
    public const string Subject = "sub";

    public const string Role = "role";

    /// <summary>The organisation's ОГРН, on organisation tokens.</summary>
    public const string Ogrn = "ogrn";
}
