namespace Ledger.EventStore.Checkpoints;

/// <summary>One stream's head as a checkpoint records it: the stream, the version of its last event and that event's hash.</summary>
public sealed record StreamHeadEntry
{
    public const int HashLength = 32;

    public StreamHeadEntry(Guid streamId, long version, byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        if (hash.Length != HashLength)
        {
            throw new ArgumentException($"a head hash has {HashLength} bytes, not {hash.Length}", nameof(hash));
        }

        StreamId = streamId;
        Version = version;
        Hash = (byte[])hash.Clone();
    }

    public Guid StreamId { get; }

    public long Version { get; }

    /// <summary>The 32-byte hash of the stream's event at <see cref="Version"/> (a copy; the entry is not changed through it).</summary>
    public byte[] Hash { get; }

    public bool Equals(StreamHeadEntry? other) =>
        other is not null && StreamId == other.StreamId && Version == other.Version && Hash.AsSpan().SequenceEqual(other.Hash);

    public override int GetHashCode() => HashCode.Combine(StreamId, Version, BitConverter.ToInt64(Hash));

    public override string ToString() => $"{StreamId:D}@{Version}:{Convert.ToHexStringLower(Hash)}";
}

/// <summary>One stored event as the checkpoint audit needs it: where it stands and its chain hash.</summary>
public readonly record struct ChainedRow(Guid StreamId, long Version, long GlobalPosition, byte[] Hash);
