using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Ledger.EventStore.Protection;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce, laid out as 1 version byte | 12-byte nonce | 16-byte tag | ciphertext.
/// Version 1 encrypts the plaintext as it is; version 2 encrypts a 4-byte little-endian plaintext length followed
/// by the plaintext compressed with Brotli, and authenticates the version byte with the associated data. Used for
/// payloads (under data keys, compressed when that makes them shorter) and for wrapped data keys (under master
/// keys, never compressed).
/// </summary>
internal static class AesGcmEnvelope
{
    public const byte Version = 1;
    public const byte CompressedVersion = 2;
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = 1 + NonceSize + TagSize;

    /// <summary>The longest plaintext a version-2 envelope may announce (a guard, far above any payload).</summary>
    public const int MaxPlaintextLength = 256 * 1024 * 1024;

    /// <summary>Brotli's fastest setting: payloads are compressed on the append path.</summary>
    private const int BrotliQuality = 1;
    private const int BrotliWindow = 22;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        using var aes = new AesGcm(key, TagSize);
        return Encrypt(aes, Version, plaintext, associatedData);
    }

    /// <summary>
    /// Version 2 when the plaintext is at least <paramref name="threshold"/> bytes long and its compressed form is
    /// shorter; version 1 otherwise.
    /// </summary>
    public static byte[] SealCompressed(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, int threshold)
    {
        using var aes = new AesGcm(key, TagSize);
        return SealCompressed(aes, plaintext, associatedData, threshold);
    }

    /// <summary>The same with an AES-GCM instance the caller reuses (several payloads under one key: one append's events).</summary>
    public static byte[] SealCompressed(AesGcm aes, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, int threshold)
    {
        ArgumentNullException.ThrowIfNull(aes);
        if (plaintext.Length < threshold)
        {
            return Encrypt(aes, Version, plaintext, associatedData);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(4 + BrotliEncoder.GetMaxCompressedLength(plaintext.Length));
        try
        {
            if (!BrotliEncoder.TryCompress(plaintext, buffer.AsSpan(4), out var written, BrotliQuality, BrotliWindow) || 4 + written >= plaintext.Length)
            {
                return Encrypt(aes, Version, plaintext, associatedData);
            }

            BinaryPrimitives.WriteInt32LittleEndian(buffer, plaintext.Length);
            return Encrypt(aes, CompressedVersion, buffer.AsSpan(0, 4 + written), associatedData);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The plaintext; throws <see cref="FormatException"/> when the layout is wrong and
    /// <see cref="AuthenticationTagMismatchException"/> when authentication fails.
    /// </summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (sealedBytes.Length < Overhead)
        {
            throw new FormatException($"{sealedBytes.Length} bytes is shorter than the {Overhead}-byte header");
        }

        var version = sealedBytes[0];
        if (version is not (Version or CompressedVersion))
        {
            throw new FormatException($"unknown format version {version}");
        }

        var body = new byte[sealedBytes.Length - Overhead];
        using (var aes = new AesGcm(key, TagSize))
        {
            if (version == Version)
            {
                aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes[Overhead..], sealedBytes.Slice(1 + NonceSize, TagSize), body, associatedData);
                return body;
            }

            aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes[Overhead..], sealedBytes.Slice(1 + NonceSize, TagSize), body, VersionedData(version, associatedData));
        }

        return Decompress(body);
    }

    private static byte[] Encrypt(AesGcm aes, byte version, ReadOnlySpan<byte> body, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + body.Length];
        output[0] = version;
        var nonce = output.AsSpan(1, NonceSize);
        var tag = output.AsSpan(1 + NonceSize, TagSize);
        RandomNumberGenerator.Fill(nonce);
        aes.Encrypt(nonce, body, output.AsSpan(Overhead), tag, version == Version ? associatedData : VersionedData(version, associatedData));
        return output;
    }

    /// <summary>The version byte followed by the caller's associated data: a changed version fails authentication.</summary>
    private static byte[] VersionedData(byte version, ReadOnlySpan<byte> associatedData)
    {
        var data = new byte[1 + associatedData.Length];
        data[0] = version;
        associatedData.CopyTo(data.AsSpan(1));
        return data;
    }

    private static byte[] Decompress(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4)
        {
            throw new FormatException("a compressed body shorter than its 4-byte length");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(body);
        if (length is < 0 or > MaxPlaintextLength)
        {
            throw new FormatException($"a compressed body announcing {length} bytes");
        }

        var plaintext = new byte[length];
        if (!BrotliDecoder.TryDecompress(body[4..], plaintext, out var written) || written != length)
        {
            throw new FormatException($"a compressed body that does not decompress to its announced {length} bytes");
        }

        return plaintext;
    }
}
