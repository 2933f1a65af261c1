using Ledger.EventStore.Serialization;

namespace Ledger.App.Ingestion;

/// <summary>
/// A delivery was refused before its content was read: unknown, unconfirmed, suspended or disabled sender, or an
/// MLLP connection from an address not configured for the organisation. Plaintext and content-free: it names the
/// organisation (when known), the transport, the reason code and the source address, never the message.
/// </summary>
public sealed record DeliveryRefused(Guid? OrganizationId, string Transport, string Reason, string? SourceAddress);

/// <summary>Record that a delivery was refused.</summary>
public sealed record RefuseDelivery(Guid? OrganizationId, string Transport, string Reason, string? SourceAddress);

/// <summary>Where refusals are kept: one stream per organisation, one stream for senders no organisation matched.</summary>
public static class DeliveryRefusals
{
    public const string StreamKind = "delivery_refusals";
    public const string StoredName = "ingestion.delivery_refused.v1";

    /// <summary>The stream of refusals of senders that matched no organisation.</summary>
    public static Guid UnknownSenders { get; } = Domain.StreamIds.Derived(StreamKind, Guid.Empty);

    public static Guid StreamFor(Guid? organizationId) =>
        organizationId is { } id ? Domain.StreamIds.Derived(StreamKind, id) : UnknownSenders;

    /// <summary>
    /// The refusal stream's decider: every refusal is recorded, whatever came before (an append-only log, carried
    /// out by the command executor with <see cref="EventStore.ExpectedVersion.Any"/>).
    /// </summary>
    public static Streams.Decider<RefuseDelivery, long> Decider { get; } = new(
        StreamKind,
        0,
        (count, _) => count + 1,
        (command, _, _) => [new DeliveryRefused(command.OrganizationId, command.Transport, command.Reason, command.SourceAddress)],
        PatientScoped: false);

    /// <summary>Registers the ingestion's own event types in the store's registry.</summary>
    public static void RegisterEvents(EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register<DeliveryRefused>(StoredName);
    }
}
