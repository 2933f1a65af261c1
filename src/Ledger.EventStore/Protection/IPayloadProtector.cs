namespace Ledger.EventStore.Protection;

/// <summary>A payload encrypted under a subject's data key.</summary>
public readonly record struct EncryptedPayload(Guid KeyId, byte[] Ciphertext);

/// <summary>Encrypts payloads under per-subject data keys and decrypts them while the key exists.</summary>
public interface IPayloadProtector
{
    /// <summary>
    /// Encrypts under the subject's data key, creating the key on first use (in a short transaction of its own,
    /// before the append's: a key whose append then fails is harmless).
    /// </summary>
    Task<EncryptedPayload> EncryptAsync(Guid subjectId, ReadOnlyMemory<byte> plaintext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken);

    /// <summary>The plaintext, or null when the key has been destroyed (the payload is erased for ever).</summary>
    Task<byte[]?> DecryptAsync(Guid keyId, ReadOnlyMemory<byte> ciphertext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken);
}
