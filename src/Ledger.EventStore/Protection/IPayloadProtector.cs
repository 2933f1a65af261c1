using Npgsql;

namespace Ledger.EventStore.Protection;

/// <summary>A payload encrypted under a subject's data key.</summary>
public readonly record struct EncryptedPayload(Guid KeyId, byte[] Ciphertext);

/// <summary>Encrypts payloads under per-subject data keys and decrypts them while the key exists.</summary>
public interface IPayloadProtector
{
    /// <summary>Encrypts inside the append's transaction (a subject's key is created on first use, in that transaction).</summary>
    Task<EncryptedPayload> EncryptAsync(NpgsqlTransaction transaction, Guid subjectId, ReadOnlyMemory<byte> plaintext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken);

    /// <summary>The plaintext, or null when the key has been destroyed (the payload is erased for ever).</summary>
    Task<byte[]?> DecryptAsync(Guid keyId, ReadOnlyMemory<byte> ciphertext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken);
}
