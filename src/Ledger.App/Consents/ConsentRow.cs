using Ledger.Domain.Consents;
using NodaTime;

namespace Ledger.App.Consents;

/// <summary>A consent as the access checks need it: who, what, when; no names.</summary>
public sealed record ConsentRow(
    Guid ConsentId,
    Guid PatientId,
    string DoctorSnilsDigest,
    ConsentScopeKind ScopeKind,
    IReadOnlyList<string> DocumentTypes,
    IReadOnlyList<Guid> DocumentIds,
    Instant ValidFrom,
    Instant ValidUntil,
    Instant? RevokedAt)
{
    /// <summary>Null when active at <paramref name="t"/>, otherwise the reason code of a refusal (same rule as <see cref="ConsentState.IsActiveAt"/>).</summary>
    public string? RefusalAt(Instant t) =>
        RevokedAt is { } revoked && revoked <= t ? "consent.revoked"
        : t < ValidFrom ? "consent.not_yet_valid"
        : t >= ValidUntil ? "consent.expired"
        : null;

    public string StatusAt(Instant t) => RefusalAt(t) switch
    {
        null => "active",
        "consent.revoked" => "revoked",
        "consent.not_yet_valid" => "pending",
        _ => "expired",
    };

    public bool Covers(Guid documentId, string documentType) => ScopeKind switch
    {
        ConsentScopeKind.All => true,
        ConsentScopeKind.DocumentTypes => DocumentTypes.Contains(documentType, StringComparer.Ordinal),
        ConsentScopeKind.Documents => DocumentIds.Contains(documentId),
        _ => false,
    };
}
