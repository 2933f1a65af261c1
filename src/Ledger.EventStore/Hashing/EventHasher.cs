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

    public static byte[] Compute(ReadOnlySpan<byte> previousHash, in HashedFields fields)
    {
        if (previousHash.Length != HashLength)
        {
            throw new ArgumentException($"a previous hash has {HashLength} bytes, not {previousHash.Length}", nameof(previousHash));
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(previousHash);
        Append(hash, Tag);
        Append(hash, Ascii(fields.StreamId.ToString("D")));
        Append(hash, Ascii(fields.StreamVersion.ToString(CultureInfo.InvariantCulture)));
        Append(hash, Ascii(fields.EventId.ToString("D")));
        Append(hash, Encoding.UTF8.GetBytes(fields.EventType));
        Append(hash, Ascii(fields.RecordedAtMicroseconds.ToString(CultureInfo.InvariantCulture)));
        Append(hash, fields.KeyId is { } key ? Ascii(key.ToString("D")) : []);
        Append(hash, Encoding.UTF8.GetBytes(fields.MetadataJsonb));
        Append(hash, fields.Payload.Span);
        return hash.GetHashAndReset();
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static void Append(IncrementalHash hash, ReadOnlySpan<byte> field)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, field.Length);
        hash.AppendData(length);
        hash.AppendData(field);
    }
}
