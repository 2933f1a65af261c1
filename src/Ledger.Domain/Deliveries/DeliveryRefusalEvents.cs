namespace Ledger.Domain.Deliveries;

/// <summary>An event of a delivery refusal stream (<see cref="DeliveryRefusalState.Evolve"/> folds them).</summary>
public interface IDeliveryRefusalEvent
{
}

/// <summary>
/// A delivery was refused before its content was read: unknown, unconfirmed, suspended or disabled sender, or an
/// MLLP connection from an address not configured for the organisation. Plaintext and content-free: it names the
/// organisation (when known), the transport, the reason code and the source address, never the message.
/// </summary>
public sealed record DeliveryRefused(Guid? OrganizationId, string Transport, string Reason, string? SourceAddress) : IDeliveryRefusalEvent;
