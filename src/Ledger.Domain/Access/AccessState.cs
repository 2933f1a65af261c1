using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Access;

/// <summary>The state of a patient's access stream: counters for auditors and the time of the latest entry.</summary>
public sealed record AccessState(PatientId PatientId, int Accesses, int Denials, int Exports, Instant? LastAt)
{
    public static AccessState Initial { get; } = new(default, 0, 0, 0, null);

    public static AccessState Evolve(AccessState state, IAccessEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            RecordAccessed e => state with { PatientId = e.PatientId, Accesses = state.Accesses + 1, LastAt = e.AccessedAt },
            AccessDenied e => state with { PatientId = e.PatientId, Denials = state.Denials + 1, LastAt = e.AttemptedAt },
            ExportPerformed e => state with { PatientId = e.PatientId, Exports = state.Exports + 1, LastAt = e.ExportedAt },
            _ => throw new InvalidOperationException(
                $"AccessState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
