using System.Collections.Concurrent;
using NodaTime;

namespace Ledger.EventStore;

/// <summary>A stream's head as this process last wrote it.</summary>
internal sealed record StreamHead(string Type, long Version, byte[] Head, Instant UpdatedAt);

/// <summary>
/// The heads of streams this process appended to recently, so the next append to them can skip reading the
/// stream row. Only a hint: the write checks the row is still exactly as remembered, else reads it.
/// </summary>
internal sealed class StreamHeadCache
{
    private const int Capacity = 100_000;

    private readonly ConcurrentDictionary<Guid, StreamHead> heads = new();

    public StreamHead? Find(Guid streamId) => heads.TryGetValue(streamId, out var head) ? head : null;

    public void Remember(Guid streamId, string type, long version, byte[]? head, Instant updatedAt)
    {
        if (head is null)
        {
            return;
        }

        if (heads.Count >= Capacity)
        {
            heads.Clear();
        }

        heads[streamId] = new StreamHead(type, version, head, updatedAt);
    }

    public void Forget(Guid streamId) => heads.TryRemove(streamId, out _);
}
