using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Organizations;

/// <summary>A command on one organisation stream.</summary>
public abstract record OrganizationCommand;

public sealed record RegisterOrganization(
    OrganizationId OrganizationId,
    Inn Inn,
    Ogrn Ogrn,
    OrganizationType Type,
    string Name,
    string RegistryOid) : OrganizationCommand;

/// <summary>Check the organisation against a registry list; the outcome is confirmed or rejected.</summary>
public sealed record VerifyOrganization(OrganizationId OrganizationId, OrganizationRegistry Registry) : OrganizationCommand;

public sealed record SuspendOrganization(OrganizationId OrganizationId, string Reason) : OrganizationCommand;

public sealed record EnableDelivery(OrganizationId OrganizationId) : OrganizationCommand;
