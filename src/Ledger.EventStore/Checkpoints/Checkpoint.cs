using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// A statement over every stream head of a store at one global position. Checkpoints are numbered 1, 2, 3… per store
/// and chain: each is signed together with the SHA-256 of its predecessor's canonical bytes (see docs/compliance.md).
/// </summary>
/// <remarks>
/// The canonical bytes are the ASCII tag <c>ledger.checkpoint.v1</c> followed by each field as a 4-byte big-endian length
/// and its bytes: sequence, global position, created-at in microseconds since the Unix epoch (all decimal ASCII), the
/// previous checkpoint's digest (32 raw bytes, zeros for the first), the head count (decimal); then per head, in order
/// of the lower-case stream id compared ordinally: stream id (lower-case uuid with hyphens), version (decimal), hash
/// (32 raw bytes).
/// </remarks>
public sealed record Checkpoint
{
    public const int DigestLength = 32;

    private static readonly byte[] Tag = "ledger.checkpoint.v1"u8.ToArray();

    /// <param name="heads">In any order; they are kept sorted by the lower-case stream id, compared ordinally.</param>
    public Checkpoint(long sequence, long globalPosition, Instant createdAt, IEnumerable<StreamHeadEntry> heads)
    {
        ArgumentNullException.ThrowIfNull(heads);
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(globalPosition);
        var ticks = createdAt.ToUnixTimeTicks();
        if (ticks % 10 != 0 || Instant.FromUnixTimeTicks(ticks) != createdAt)
        {
            throw new ArgumentException($"created-at {createdAt} is not a whole microsecond", nameof(createdAt));
        }

        var sorted = heads.OrderBy(h => h.StreamId.ToString("D"), StringComparer.Ordinal).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].StreamId == sorted[i - 1].StreamId)
            {
                throw new ArgumentException($"stream {sorted[i].StreamId:D} has two heads", nameof(heads));
            }
        }

        Sequence = sequence;
        GlobalPosition = globalPosition;
        CreatedAt = createdAt;
        Heads = Array.AsReadOnly(sorted);
    }

    /// <summary>The digest a first checkpoint chains to: 32 zero bytes.</summary>
    public static ReadOnlyMemory<byte> GenesisDigest { get; } = new byte[DigestLength];

    /// <summary>1 for a store's first checkpoint, then one more for each.</summary>
    public long Sequence { get; }

    /// <summary>The highest global position the checkpoint covers: every event at or below it is accounted for by the heads.</summary>
    public long GlobalPosition { get; }

    /// <summary>When it was made, to the microsecond.</summary>
    public Instant CreatedAt { get; }

    public IReadOnlyList<StreamHeadEntry> Heads { get; }

    public long CreatedAtMicroseconds => CreatedAt.ToUnixTimeTicks() / 10;

    /// <summary>The bytes that are signed, with the digest of the previous checkpoint (<see cref="GenesisDigest"/> for the first).</summary>
    public byte[] CanonicalBytes(ReadOnlySpan<byte> previousDigest)
    {
        if (previousDigest.Length != DigestLength)
        {
            throw new ArgumentException($"a previous digest has {DigestLength} bytes, not {previousDigest.Length}", nameof(previousDigest));
        }

        var buffer = new ArrayBufferWriter<byte>(128 + (Heads.Count * 90));
        Field(buffer, Tag);
        Field(buffer, Sequence);
        Field(buffer, GlobalPosition);
        Field(buffer, CreatedAtMicroseconds);
        Field(buffer, previousDigest);
        Field(buffer, Heads.Count);
        foreach (var head in Heads)
        {
            Field(buffer, Encoding.ASCII.GetBytes(head.StreamId.ToString("D")));
            Field(buffer, head.Version);
            Field(buffer, head.Hash);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>SHA-256 of the canonical bytes: what the next checkpoint names as its previous digest.</summary>
    public byte[] Digest(ReadOnlySpan<byte> previousDigest) => SHA256.HashData(CanonicalBytes(previousDigest));

    public bool Equals(Checkpoint? other) =>
        other is not null && Sequence == other.Sequence && GlobalPosition == other.GlobalPosition && CreatedAt == other.CreatedAt
        && Heads.SequenceEqual(other.Heads);

    public override int GetHashCode() => HashCode.Combine(Sequence, GlobalPosition, CreatedAt, Heads.Count);

    public override string ToString() => $"checkpoint {Sequence} at position {GlobalPosition} ({CreatedAt}, {Heads.Count} streams)";

    private static void Field(ArrayBufferWriter<byte> buffer, long value) =>
        Field(buffer, Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));

    private static void Field(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(4), value.Length);
        buffer.Advance(4);
        buffer.Write(value);
    }
}
