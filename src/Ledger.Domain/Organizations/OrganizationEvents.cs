using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Organizations;

public enum OrganizationType
{
    Polyclinic,
    Laboratory,
    Hospital,
}

/// <summary>An event of an organisation stream (<see cref="OrganizationState.Evolve"/> folds them).</summary>
public interface IOrganizationEvent
{
}

/// <summary>An organisation asked to deliver results; it is not trusted until confirmed against the registry.</summary>
public sealed record OrganizationRegistered(
    OrganizationId OrganizationId,
    Inn Inn,
    Ogrn Ogrn,
    OrganizationType Type,
    string Name,
    string RegistryOid) : IOrganizationEvent;

/// <summary>The registry has the organisation with the same ОГРН, ИНН, type and OID.</summary>
public sealed record OrganizationConfirmed(OrganizationId OrganizationId, string RegistryOid, string RegistryName) : IOrganizationEvent;

/// <summary>The registry check failed; <see cref="ReasonCode"/> says which way (e.g. <c>not_in_registry</c>).</summary>
public sealed record OrganizationRejected(OrganizationId OrganizationId, string ReasonCode, string Detail) : IOrganizationEvent;

public sealed record OrganizationSuspended(OrganizationId OrganizationId, string Reason) : IOrganizationEvent;

/// <summary>Results from the organisation may now be delivered to patients.</summary>
public sealed record OrganizationDeliveryEnabled(OrganizationId OrganizationId) : IOrganizationEvent;
