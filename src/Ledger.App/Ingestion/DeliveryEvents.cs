using Ledger.EventStore.Serialization;

namespace Ledger.App.Ingestion;

/// <summary>
/// A delivery was refused before its content was read: unknown, unconfirmed, suspended or disabled sender, or an
/// MLLP connection from an address not configured for the organisation. Plaintext and content-free: it names the
/// organisation (when known), the transport, the reason code and the source address, never the message.
/// </summary>
public sealed record DeliveryRefused(Guid? OrganizationId, string Transport, string Reason, string? SourceAddress);

/// <summary>Where refusals are kept: one stream per organisation, one stream for senders no organisation matched.</summary>
public static class DeliveryRefusals
{
    public const string StreamKind = "delivery_refusals";
    public const string StoredName = "ingestion.delivery_refused.v1";

    /// <summary>The stream of refusals of senders that matched no organisation.</summary>
    public static Guid UnknownSenders { get; } = Domain.StreamIds.Derived(StreamKind, Guid.Empty);

    public static Guid StreamFor(Guid? organizationId) =>
        organizationId is { } id ? Domain.StreamIds.Derived(StreamKind, id) : UnknownSenders;

    /// <summary>Registers the ingestion's own event types in the store's registry.</summary>
    public static void RegisterEvents(EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry.Register<DeliveryRefused>(StoredName);
    }
}
