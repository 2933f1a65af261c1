using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore.Protection;

/// <summary>
/// A keyed hash (HMAC-SHA256) of identifiers such as a national number, so that a record can be found by the
/// identifier without the identifier being stored. Without the secret the digests cannot be recomputed from a
/// list of candidate numbers. The kind of identifier is part of the input: equal values of different kinds
/// give different digests.
/// </summary>
/// <remarks>
/// The secret cannot be rotated without recomputing every stored digest (and every id derived with
/// <see cref="ToGuid"/>): keep it as long as the digests it produced are in use.
/// </remarks>
public sealed class KeyedIdentifierHash
{
    /// <summary>The environment variable read by default.</summary>
    public const string DefaultVariable = "LEDGER_IDENTIFIER_HASH_KEY";

    /// <summary>The shortest accepted secret, in bytes.</summary>
    public const int MinimumSecretSize = 32;

    private const int DigestHexLength = 64;

    private readonly byte[] secret;

    public KeyedIdentifierHash(ReadOnlySpan<byte> secret)
        : this(secret, "identifier hash key")
    {
    }

    private KeyedIdentifierHash(ReadOnlySpan<byte> secret, string source)
    {
        if (secret.Length < MinimumSecretSize)
        {
            throw new KeyConfigurationException($"{source}: the secret is {secret.Length} bytes, at least {MinimumSecretSize} are needed");
        }

        this.secret = secret.ToArray();
    }

    /// <summary>Parses the secret from base64 text; <paramref name="source"/> names where it came from in errors.</summary>
    public static KeyedIdentifierHash Parse(string text, string source = "identifier hash key")
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = KeyText.Entries(text);
        if (entries.Count != 1)
        {
            throw new KeyConfigurationException(entries.Count == 0
                ? $"{source}: no secret is configured (expected one base64 value)"
                : $"{source}: {entries.Count} entries found, expected one base64 value");
        }

        return new KeyedIdentifierHash(KeyText.Base64(entries[0], $"{source}: the secret"), source);
    }

    /// <summary>Reads the secret (base64, at least 32 bytes) from an environment variable, by default <c>LEDGER_IDENTIFIER_HASH_KEY</c>.</summary>
    public static KeyedIdentifierHash FromEnvironment(string variable = DefaultVariable)
    {
        var (text, source) = KeyText.FromEnvironment(variable);
        return Parse(text, source);
    }

    /// <summary>Reads the secret (base64, at least 32 bytes) from a file; lines starting with '#' are comments.</summary>
    public static KeyedIdentifierHash FromFile(string path)
    {
        var (text, source) = KeyText.FromFile(path);
        return Parse(text, source);
    }

    /// <summary>
    /// The digest of a value of a kind (e.g. "national-id"), as 64 lowercase hex characters. The value must be
    /// normalized by the caller (one spelling per identifier: no separators, fixed case), or equal identifiers
    /// will not match. Input: the kind's UTF-8 length (4 bytes, big-endian), the kind, then the value.
    /// </summary>
    public string Digest(string kind, string normalizedValue)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(normalizedValue);
        var kindLength = Encoding.UTF8.GetByteCount(kind);
        var input = new byte[4 + kindLength + Encoding.UTF8.GetByteCount(normalizedValue)];
        BinaryPrimitives.WriteInt32BigEndian(input, kindLength);
        Encoding.UTF8.GetBytes(kind, input.AsSpan(4));
        Encoding.UTF8.GetBytes(normalizedValue, input.AsSpan(4 + kindLength));
        return Convert.ToHexStringLower(HMACSHA256.HashData(secret, input));
    }

    /// <summary>
    /// A stable Guid derived from a digest: its first 16 bytes, with the version set to 8 (RFC 9562, custom)
    /// and the RFC variant bits, leaving 122 bits of the digest. The same digest always gives the same Guid,
    /// so it can serve as a subject id or stream id for "the record of this identifier" and two nodes that see
    /// the same identifier at once address the same stream. It is as secret as the digest: it reveals nothing
    /// about the identifier without the hash secret.
    /// </summary>
    public static Guid ToGuid(string digest)
    {
        ArgumentNullException.ThrowIfNull(digest);
        if (digest.Length != DigestHexLength || !digest.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw new ArgumentException("a digest is 64 lowercase hex characters", nameof(digest));
        }

        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = byte.Parse(digest.AsSpan(i * 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }

        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
