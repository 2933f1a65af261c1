using NodaTime;

namespace Ledger.Domain.Deliveries;

/// <summary>
/// Decides what goes into a refusal stream: every refusal is recorded, whatever came before (an append-only log,
/// so it is decided on the initial state and appended at the stream's end).
/// </summary>
public static class DeliveryRefusalDecider
{
    public static IReadOnlyList<IDeliveryRefusalEvent> Decide(RefuseDelivery command, DeliveryRefusalState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return Decisions.Emit(new DeliveryRefused(command.OrganizationId, command.Transport, command.Reason, command.SourceAddress));
    }
}
