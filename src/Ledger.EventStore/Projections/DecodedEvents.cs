namespace Ledger.EventStore.Projections;

/// <summary>
/// The payloads a daemon's agents deserialized lately, shared between them: under load several projections read
/// the same events within milliseconds of each other (the cabinet and the trends both read every lab result), and
/// deserializing a payload costs more than the rest of handing it over. A fixed ring of slots indexed by global
/// position; a slot holds the last event that mapped to it, checked by position and event id. Lock-free: two agents
/// may both deserialize an event and one of the results is kept. Only events read with their payload are answered.
/// </summary>
internal sealed class DecodedEvents(EventStore store, int capacity = DecodedEvents.DefaultCapacity)
{
    public const int DefaultCapacity = 1024;

    /// <summary>Payloads longer than this (in characters of JSON) are not kept, which bounds the memory held.</summary>
    public const int MaxCachedLength = 32 * 1024;

    private readonly Entry?[] slots = new Entry?[capacity];

    public object Deserialize(RecordedEvent recorded)
    {
        // An event read as erased (its key destroyed since another agent decoded it) or without its payload is never
        // answered from the cache: the store reports it as it always does. Large payloads are not kept.
        if (recorded.IsErased || recorded.Data is null || recorded.Data.Length > MaxCachedLength)
        {
            return store.Deserialize(recorded);
        }

        var index = (int)((ulong)recorded.GlobalPosition % (ulong)slots.Length);
        if (Volatile.Read(ref slots[index]) is { } entry && entry.Position == recorded.GlobalPosition && entry.EventId == recorded.EventId)
        {
            return entry.Value;
        }

        var value = store.Deserialize(recorded);
        Volatile.Write(ref slots[index], new Entry(recorded.GlobalPosition, recorded.EventId, value));
        return value;
    }

    private sealed record Entry(long Position, Guid EventId, object Value);
}
