using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore.Hashing;

/// <summary>What of an event the hash chain covers, in the form the database stores it.</summary>
/// <param name="RecordedAtMicroseconds">Microseconds since the Unix epoch (PostgreSQL's timestamptz precision).</param>
/// <param name="MetadataJsonb">The metadata as PostgreSQL prints the jsonb value.</param>
/// <param name="Payload">The data as PostgreSQL prints the jsonb value (UTF-8), or the ciphertext when encrypted.</param>
public readonly record struct HashedFields(
    Guid StreamId,
    long StreamVersion,
    Guid EventId,
    string EventType,
    long RecordedAtMicroseconds,
    Guid? KeyId,
    string MetadataJsonb,
    ReadOnlyMemory<byte> Payload);

/// <summary>
/// The per-stream hash chain: <c>hash = SHA-256(previous hash ‖ canonical bytes of the event)</c>, the previous
/// hash of a stream's first event being 32 zero bytes. The canonical bytes are the ASCII tag
/// <c>ledger.event.v1</c> followed by each field as a 4-byte big-endian length and its bytes: stream id,
/// version, event id, stored type, recorded-at microseconds, key id (empty when plaintext), metadata, payload.
/// Texts are UTF-8; uuids are lower-case with hyphens; numbers are decimal ASCII. The layout is published in
/// docs/event-store.md so an export can be checked without this code.
/// </summary>
public static class EventHasher
{
    public const int HashLength = 32;

    private static readonly byte[] Tag = "ledger.event.v1"u8.ToArray();

    /// <summary>The previous hash of a stream's first event.</summary>
    public static ReadOnlyMemory<byte> Genesis { get; } = new byte[HashLength];

    public static byte[] Compute(ReadOnlySpan<byte> previousHash, in HashedFields fields) => Compute(previousHash, fields, Tag);

    /// <summary>The same chain step with another leading tag (a later layout of the canonical bytes).</summary>
    public static byte[] Compute(ReadOnlySpan<byte> previousHash, in HashedFields fields, ReadOnlySpan<byte> tag)
    {
        if (previousHash.Length != HashLength)
        {
            throw new ArgumentException($"a previous hash has {HashLength} bytes, not {previousHash.Length}", nameof(previousHash));
        }

        var size = HashLength + (9 * 4) + tag.Length + 36 + 20 + 36 + Encoding.UTF8.GetMaxByteCount(fields.EventType.Length) + 20 + 36
            + Encoding.UTF8.GetMaxByteCount(fields.MetadataJsonb.Length) + fields.Payload.Length;
        var rented = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var buffer = rented.AsSpan();
            previousHash.CopyTo(buffer);
            var at = HashLength;
            at += Field(buffer[at..], tag);
            at += Field(buffer[at..], fields.StreamId);
            at += Field(buffer[at..], fields.StreamVersion);
            at += Field(buffer[at..], fields.EventId);
            at += Field(buffer[at..], fields.EventType);
            at += Field(buffer[at..], fields.RecordedAtMicroseconds);
            at += fields.KeyId is { } key ? Field(buffer[at..], key) : Field(buffer[at..], ReadOnlySpan<byte>.Empty);
            at += Field(buffer[at..], fields.MetadataJsonb);
            at += Field(buffer[at..], fields.Payload.Span);
            return SHA256.HashData(buffer[..at]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static int Field(Span<byte> buffer, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer, value.Length);
        value.CopyTo(buffer[4..]);
        return 4 + value.Length;
    }

    private static int Field(Span<byte> buffer, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, buffer[4..]);
        BinaryPrimitives.WriteInt32BigEndian(buffer, length);
        return 4 + length;
    }

    private static int Field(Span<byte> buffer, Guid value)
    {
        value.TryFormat(buffer[4..], out var length, "D");
        BinaryPrimitives.WriteInt32BigEndian(buffer, length);
        return 4 + length;
    }

    private static int Field(Span<byte> buffer, long value)
    {
        value.TryFormat(buffer[4..], out var length, default, CultureInfo.InvariantCulture);
        BinaryPrimitives.WriteInt32BigEndian(buffer, length);
        return 4 + length;
    }
}
