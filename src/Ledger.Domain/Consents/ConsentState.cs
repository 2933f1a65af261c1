using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.Domain.Consents;

/// <summary>The state of one consent stream.</summary>
public sealed record ConsentState(
    bool Granted,
    ConsentId ConsentId,
    PatientId PatientId,
    FullName? DoctorName,
    Snils? DoctorSnils,
    OrganizationId? DoctorOrganization,
    ConsentScope? Scope,
    string? Purpose,
    Instant ValidFrom,
    Instant ValidUntil,
    Instant? RevokedAt,
    bool Expired)
{
    public static ConsentState Initial { get; } =
        new(false, default, default, null, null, null, null, null, default, default, null, false);

    public bool Revoked => RevokedAt is not null;

    /// <summary>Active at <paramref name="t"/> iff granted, ValidFrom ≤ t &lt; ValidUntil and not revoked at or before t.</summary>
    public bool IsActiveAt(Instant t) =>
        Granted && ValidFrom <= t && t < ValidUntil && !(RevokedAt is { } revoked && revoked <= t);

    /// <summary>Whether the scope includes the document (says nothing about time; see <see cref="IsActiveAt"/>).</summary>
    public bool Covers(DocumentId documentId, DocumentType documentType) =>
        Scope is not null && Scope.Covers(documentId, documentType);

    public static ConsentState Evolve(ConsentState state, IConsentEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            ConsentGranted e => state with
            {
                Granted = true,
                ConsentId = e.ConsentId,
                PatientId = e.PatientId,
                DoctorName = e.DoctorName,
                DoctorSnils = e.DoctorSnils,
                DoctorOrganization = e.DoctorOrganization,
                Scope = e.Scope,
                Purpose = e.Purpose,
                ValidFrom = e.ValidFrom,
                ValidUntil = e.ValidUntil,
            },
            ConsentRevoked e => state with { RevokedAt = e.RevokedAt },
            ConsentExpired => state with { Expired = true },
            _ => throw new InvalidOperationException(
                $"ConsentState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
