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

    /// <summary>
    /// Encrypts several payloads under the subject's data key (one append's events): the key is looked up once. Each
    /// payload still gets a nonce of its own.
    /// </summary>
    async Task<IReadOnlyList<EncryptedPayload>> EncryptManyAsync(Guid subjectId, IReadOnlyList<(ReadOnlyMemory<byte> Plaintext, ReadOnlyMemory<byte> AssociatedData)> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var result = new EncryptedPayload[payloads.Count];
        for (var i = 0; i < payloads.Count; i++)
        {
            result[i] = await EncryptAsync(subjectId, payloads[i].Plaintext, payloads[i].AssociatedData, cancellationToken);
        }

        return result;
    }

    /// <summary>The plaintext, or null when the key has been destroyed (the payload is erased for ever).</summary>
    Task<byte[]?> DecryptAsync(Guid keyId, ReadOnlyMemory<byte> ciphertext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken);
}
