using NodaTime;

namespace Ledger.Domain.Access;

/// <summary>
/// Decides what goes into a patient's access log. Whether access is allowed is decided elsewhere (consents); this
/// only refuses entries that could not be audited.
/// </summary>
public static class AccessDecider
{
    public static IReadOnlyList<IAccessEvent> Decide(AccessCommand command, AccessState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            RecordAccess c => Check(c.Actor, c.Purpose, c.ConsentId, () =>
                new RecordAccessed(c.PatientId, c.Actor, c.DocumentId, c.Purpose, c.ConsentId, c.Channel, c.Outcome, now)),
            RecordAccessDenial c => string.IsNullOrWhiteSpace(c.ReasonCode)
                ? throw new DomainRejection("access.reason_required", "A denial needs a reason code.")
                : Decisions.Emit(new AccessDenied(c.PatientId, c.Actor, c.DocumentId, c.Purpose, c.ConsentId, c.Channel, c.ReasonCode, now)),
            RecordExport c => c.DocumentIds.Count == 0
                ? throw new DomainRejection("access.export_empty", "An export lists no documents.")
                : Check(c.Actor, c.Purpose, c.ConsentId, () =>
                    new ExportPerformed(c.PatientId, c.Actor, c.Format, [.. c.DocumentIds], c.Purpose, c.ConsentId, c.Channel, now)),
            _ => throw new InvalidOperationException($"Unknown access command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IAccessEvent> Check(Actor actor, string purpose, Identifiers.ConsentId? consentId, Func<IAccessEvent> accessed)
    {
        if (string.IsNullOrWhiteSpace(purpose))
        {
            throw new DomainRejection("access.purpose_required", "Every access needs a purpose.");
        }

        if (actor.Kind == ActorKind.Doctor && consentId is null)
        {
            throw new DomainRejection("access.consent_required", "A doctor reads a record only under a consent.");
        }

        return Decisions.Emit(accessed());
    }
}
