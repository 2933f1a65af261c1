using System.Runtime.CompilerServices;
using System.Text;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;

namespace Ledger.EventStore.MartenStore;

/// <summary>
/// Marten's binary serializer for every event type of the ledger. Writing hands Marten the bytes the ledger's append
/// path prepared once per event (sealed or clear, see <see cref="StoredPayload"/>), so the bytes stored are exactly
/// the bytes hashed, however often Marten serializes; an event that did not come through that path is refused.
/// Reading (Marten's own reads, the async daemon) opens sealed payloads with the subject's data key; a payload whose
/// key was destroyed throws <see cref="PayloadErasedException"/>.
/// </summary>
internal sealed class PayloadSerializer(EventTypeRegistry registry, IPayloadProtector? protector) : JasperFx.Events.IEventBinarySerializer
{
    private readonly ConditionalWeakTable<object, byte[]> prepared = [];

    /// <summary>Remembers the stored bytes of an event object until Marten writes it.</summary>
    public void Prepare(object data, byte[] stored) => prepared.AddOrUpdate(data, stored);

    public byte[] Serialize(Type type, object data) =>
        prepared.TryGetValue(data, out var stored)
            ? stored
            : throw new InvalidOperationException($"an event of type {type.Name} reached Marten without going through the ledger's append path, which chains and seals it");

    public object Deserialize(Type type, byte[] bytes)
    {
        var parsed = StoredPayload.Parse(bytes);
        var json = parsed.Body;
        if (parsed.IsSealed)
        {
            var keys = protector ?? throw new InvalidOperationException("a sealed payload was read by a store without a payload protector");
            var associated = EventStore.AssociatedData(parsed.StreamId!.Value, parsed.EventId!.Value);

            // Marten's serializer seam is synchronous; the key comes from the protector's cache after the first read.
            var plain = keys.DecryptAsync(parsed.KeyId!.Value, parsed.Body, associated, CancellationToken.None).GetAwaiter().GetResult()
                ?? throw new PayloadErasedException(parsed.StreamId.Value, 0);
            json = plain;
        }

        return registry.Deserialize(registry.NameOf(type), Encoding.UTF8.GetString(json.Span));
    }
}
