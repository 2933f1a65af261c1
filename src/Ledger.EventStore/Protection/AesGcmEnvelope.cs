using System.Security.Cryptography;

namespace Ledger.EventStore.Protection;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce, laid out as 1 version byte (1) | 12-byte nonce | 16-byte tag |
/// ciphertext. Used for payloads (under data keys) and for wrapped data keys (under master keys).
/// </summary>
internal static class AesGcmEnvelope
{
    public const byte Version = 1;
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = 1 + NonceSize + TagSize;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[Overhead + plaintext.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        var tag = output.AsSpan(1 + NonceSize, TagSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(Overhead), tag, associatedData);
        return output;
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

        if (sealedBytes[0] != Version)
        {
            throw new FormatException($"unknown format version {sealedBytes[0]}");
        }

        var plaintext = new byte[sealedBytes.Length - Overhead];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.Slice(1, NonceSize), sealedBytes[Overhead..], sealedBytes.Slice(1 + NonceSize, TagSize), plaintext, associatedData);
        return plaintext;
    }
}
