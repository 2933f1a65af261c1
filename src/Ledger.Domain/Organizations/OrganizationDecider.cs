using NodaTime;

namespace Ledger.Domain.Organizations;

/// <summary>Decides the commands on one organisation stream. Throws <see cref="DomainRejection"/> to refuse.</summary>
public static class OrganizationDecider
{
    public static IReadOnlyList<IOrganizationEvent> Decide(OrganizationCommand command, OrganizationState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        if (command is RegisterOrganization register)
        {
            return Register(register, state);
        }

        if (!state.Registered)
        {
            throw new DomainRejection("organization.not_registered", "The organisation is not registered.");
        }

        return command switch
        {
            VerifyOrganization c => Verify(c, state),
            SuspendOrganization c => Suspend(c, state),
            EnableDelivery => Enable(state),
            _ => throw new InvalidOperationException($"Unknown organisation command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IOrganizationEvent> Register(RegisterOrganization c, OrganizationState state)
    {
        if (state.Registered)
        {
            throw new DomainRejection("organization.already_registered", "The organisation is already registered.");
        }

        if (string.IsNullOrWhiteSpace(c.Name))
        {
            throw new DomainRejection("organization.name_required", "The organisation name is missing.");
        }

        if (!OrganizationRegistry.IsOid(c.RegistryOid))
        {
            throw new DomainRejection("organization.oid_invalid", $"'{c.RegistryOid}' is not an OID (digits separated by dots).");
        }

        return Decisions.Emit(new OrganizationRegistered(c.OrganizationId, c.Inn, c.Ogrn, c.Type, c.Name.Trim(), c.RegistryOid));
    }

    private static IReadOnlyList<IOrganizationEvent> Verify(VerifyOrganization c, OrganizationState state)
    {
        if (state.Verification == VerificationStatus.Confirmed)
        {
            return Decisions.Nothing<IOrganizationEvent>();
        }

        var id = state.OrganizationId;
        var entry = c.Registry.Find(state.Ogrn!);
        IOrganizationEvent outcome = entry switch
        {
            null => new OrganizationRejected(id, "not_in_registry", $"ОГРН {state.Ogrn} is not in the registry."),
            _ when entry.Inn != state.Inn =>
                new OrganizationRejected(id, "inn_mismatch", $"The registry has ИНН {entry.Inn}, registered {state.Inn}."),
            _ when entry.Type != state.Type =>
                new OrganizationRejected(id, "type_mismatch", $"The registry has type {entry.Type}, registered {state.Type}."),
            _ when entry.Oid != state.RegistryOid =>
                new OrganizationRejected(id, "oid_mismatch", $"The registry has OID {entry.Oid}, registered {state.RegistryOid}."),
            _ => new OrganizationConfirmed(id, entry.Oid, entry.Name),
        };
        return Decisions.Emit(outcome);
    }

    private static IReadOnlyList<IOrganizationEvent> Suspend(SuspendOrganization c, OrganizationState state)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
        {
            throw new DomainRejection("organization.reason_required", "A suspension needs a reason.");
        }

        return state.Suspended ? Decisions.Nothing<IOrganizationEvent>() : Decisions.Emit(new OrganizationSuspended(state.OrganizationId, c.Reason));
    }

    private static IReadOnlyList<IOrganizationEvent> Enable(OrganizationState state)
    {
        if (state.Verification != VerificationStatus.Confirmed)
        {
            throw new DomainRejection("organization.not_confirmed", "Delivery needs an organisation confirmed against the registry.");
        }

        if (state.Suspended)
        {
            throw new DomainRejection("organization.suspended", "A suspended organisation cannot deliver.");
        }

        return state.DeliveryEnabled ? Decisions.Nothing<IOrganizationEvent>() : Decisions.Emit(new OrganizationDeliveryEnabled(state.OrganizationId));
    }
}
