using NodaTime;

namespace Ledger.Domain.Consents;

/// <summary>Decides the commands on one consent stream. Throws <see cref="DomainRejection"/> to refuse.</summary>
public static class ConsentDecider
{
    public static IReadOnlyList<IConsentEvent> Decide(ConsentCommand command, ConsentState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        if (command is GrantConsent grant)
        {
            return Grant(grant, state, now);
        }

        if (!state.Granted)
        {
            throw new DomainRejection("consent.not_found", "The consent was never granted.");
        }

        return command switch
        {
            // Revoking twice, or revoking a consent that has already run out, changes nothing.
            RevokeConsent c => state.Revoked || state.Expired || now >= state.ValidUntil
                ? Decisions.Nothing<IConsentEvent>()
                : Decisions.Emit(new ConsentRevoked(state.ConsentId, state.PatientId, now, c.Reason)),
            ExpireConsent => Expire(state, now),
            _ => throw new InvalidOperationException($"Unknown consent command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IConsentEvent> Grant(GrantConsent c, ConsentState state, Instant now)
    {
        if (state.Granted)
        {
            throw new DomainRejection("consent.already_granted", "The consent was already granted.");
        }

        var from = c.ValidFrom ?? now;
        if (from < now)
        {
            throw new DomainRejection("consent.from_in_past", "A consent cannot start before now.");
        }

        if (c.ValidUntil <= from)
        {
            throw new DomainRejection("consent.until_before_from", "A consent must end after it starts.");
        }

        if (string.IsNullOrWhiteSpace(c.Purpose))
        {
            throw new DomainRejection("consent.purpose_required", "A consent needs a purpose.");
        }

        var scopeEmpty = c.Scope.Kind switch
        {
            ConsentScopeKind.DocumentTypes => c.Scope.DocumentTypes.Count == 0,
            ConsentScopeKind.Documents => c.Scope.DocumentIds.Count == 0,
            _ => false,
        };
        if (scopeEmpty)
        {
            throw new DomainRejection("consent.scope_empty", "A scope of document types or documents lists none.");
        }

        return Decisions.Emit(new ConsentGranted(
            c.ConsentId, c.PatientId, c.DoctorName, c.DoctorSnils, c.DoctorOrganization, c.Scope, c.Purpose.Trim(), from, c.ValidUntil, c.ShareLinkSha256));
    }

    private static IReadOnlyList<IConsentEvent> Expire(ConsentState state, Instant now)
    {
        if (state.Expired || state.Revoked)
        {
            return Decisions.Nothing<IConsentEvent>();
        }

        if (now < state.ValidUntil)
        {
            throw new DomainRejection("consent.not_yet_expired", "The consent is still within its validity.");
        }

        return Decisions.Emit(new ConsentExpired(state.ConsentId, state.PatientId, state.ValidUntil));
    }
}
