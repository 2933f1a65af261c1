using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Organizations;

public enum VerificationStatus
{
    Unverified,
    Confirmed,
    Rejected,
}

/// <summary>The state of one organisation stream.</summary>
public sealed record OrganizationState(
    bool Registered,
    OrganizationId OrganizationId,
    Inn? Inn,
    Ogrn? Ogrn,
    OrganizationType Type,
    string? Name,
    string? RegistryOid,
    VerificationStatus Verification,
    bool Suspended,
    bool DeliveryEnabled)
{
    public static OrganizationState Initial { get; } =
        new(false, default, null, null, OrganizationType.Polyclinic, null, null, VerificationStatus.Unverified, false, false);

    /// <summary>Results from the organisation are accepted: confirmed, not suspended, delivery enabled.</summary>
    public bool CanDeliver => Verification == VerificationStatus.Confirmed && !Suspended && DeliveryEnabled;

    public static OrganizationState Evolve(OrganizationState state, IOrganizationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            OrganizationRegistered e => state with
            {
                Registered = true,
                OrganizationId = e.OrganizationId,
                Inn = e.Inn,
                Ogrn = e.Ogrn,
                Type = e.Type,
                Name = e.Name,
                RegistryOid = e.RegistryOid,
            },
            OrganizationConfirmed => state with { Verification = VerificationStatus.Confirmed },
            OrganizationRejected => state with { Verification = VerificationStatus.Rejected },
            OrganizationSuspended => state with { Suspended = true },
            OrganizationDeliveryEnabled => state with { DeliveryEnabled = true },
            _ => throw new InvalidOperationException(
                $"OrganizationState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
