using System.Security.Cryptography;

namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// Signs checkpoints with an ECDSA P-256 private key (SHA-256, signature r ‖ s). The key comes from configuration or a
/// mounted file, never from the database; the auditor holds <see cref="PublicKeyPem"/>.
/// </summary>
public sealed class CheckpointSigner : IDisposable
{
    private readonly ECDsa key;

    private CheckpointSigner(ECDsa key)
    {
        this.key = key;
        var spki = key.ExportSubjectPublicKeyInfo();
        PublicKeyPem = PemEncoding.WriteString("PUBLIC KEY", spki);
        KeyId = CheckpointKeys.KeyIdOf(spki);
    }

    /// <summary>The public key as SubjectPublicKeyInfo PEM ("PUBLIC KEY").</summary>
    public string PublicKeyPem { get; }

    /// <summary>The first 16 hex digits (lower case) of the SHA-256 of the public key's SubjectPublicKeyInfo DER.</summary>
    public string KeyId { get; }

    /// <summary>Loads a P-256 private key from PEM: PKCS#8 ("PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY").</summary>
    public static CheckpointSigner FromPem(string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        var fields = PemEncoding.Find(privateKeyPem);
        var label = privateKeyPem[fields.Label];
        if (label is not ("PRIVATE KEY" or "EC PRIVATE KEY"))
        {
            throw new ArgumentException($"a checkpoint signing key is a \"PRIVATE KEY\" or \"EC PRIVATE KEY\" PEM, not \"{label}\"", nameof(privateKeyPem));
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(privateKeyPem);
            CheckpointKeys.RequireP256(key, nameof(privateKeyPem));
            return new CheckpointSigner(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    /// <summary>Signs a checkpoint that follows <paramref name="previous"/> (null for the store's first checkpoint).</summary>
    public SignedCheckpoint Sign(Checkpoint checkpoint, SignedCheckpoint? previous)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (previous is null ? checkpoint.Sequence != 1 : checkpoint.Sequence != previous.Checkpoint.Sequence + 1)
        {
            throw new ArgumentException(
                $"checkpoint {checkpoint.Sequence} cannot follow {(previous is null ? "no checkpoint" : $"checkpoint {previous.Checkpoint.Sequence}")}",
                nameof(checkpoint));
        }

        return Sign(checkpoint, previous is null ? Checkpoint.GenesisDigest.ToArray() : previous.Digest());
    }

    /// <summary>Signs a checkpoint with the given previous digest, as stored.</summary>
    public SignedCheckpoint Sign(Checkpoint checkpoint, byte[] previousDigest)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(previousDigest);
        var signature = key.SignData(checkpoint.CanonicalBytes(previousDigest), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new SignedCheckpoint(checkpoint, previousDigest, KeyId, signature);
    }

    /// <summary>
    /// A detached signature of arbitrary bytes with the same key (a downloaded file): ECDSA P-256 over SHA-256, DER, as
    /// <c>openssl dgst -sha256 -verify</c> checks it.
    /// </summary>
    public byte[] SignBytes(ReadOnlySpan<byte> bytes) => key.SignData(bytes, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => key.Dispose();
}

/// <summary>Checks checkpoint signatures with the public key alone.</summary>
public static class CheckpointVerifier
{
    /// <summary>True when <paramref name="signed"/>'s signature is valid for its canonical bytes under the key.</summary>
    public static bool VerifySignature(string publicKeyPem, SignedCheckpoint signed)
    {
        ArgumentNullException.ThrowIfNull(signed);
        return VerifySignature(publicKeyPem, signed.Checkpoint, signed.PreviousDigest, signed.Signature);
    }

    /// <summary>True when <paramref name="signature"/> (r ‖ s) is valid for the checkpoint with that previous digest.</summary>
    /// <exception cref="ArgumentException">The PEM is not a P-256 "PUBLIC KEY".</exception>
    public static bool VerifySignature(string publicKeyPem, Checkpoint checkpoint, ReadOnlySpan<byte> previousDigest, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        using var key = CheckpointKeys.ImportPublic(publicKeyPem);
        return previousDigest.Length == Checkpoint.DigestLength
            && signature.Length == SignedCheckpoint.SignatureLength
            && key.VerifyData(checkpoint.CanonicalBytes(previousDigest), signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True when <paramref name="signature"/> (DER, as <see cref="CheckpointSigner.SignBytes"/> makes it) is valid for the bytes.</summary>
    /// <exception cref="ArgumentException">The PEM is not a P-256 "PUBLIC KEY".</exception>
    public static bool VerifyBytes(string publicKeyPem, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> signature)
    {
        using var key = CheckpointKeys.ImportPublic(publicKeyPem);
        try
        {
            return key.VerifyData(bytes, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            // Not a DER signature at all.
            return false;
        }
    }

    /// <summary>The key id of a public key PEM, as <see cref="CheckpointSigner.KeyId"/> computes it.</summary>
    public static string KeyIdOf(string publicKeyPem)
    {
        using var key = CheckpointKeys.ImportPublic(publicKeyPem);
        return CheckpointKeys.KeyIdOf(key.ExportSubjectPublicKeyInfo());
    }
}

internal static class CheckpointKeys
{
    private const string P256Oid = "1.2.840.10045.3.1.7";

    public static string KeyIdOf(byte[] subjectPublicKeyInfo) => Convert.ToHexStringLower(SHA256.HashData(subjectPublicKeyInfo))[..16];

    public static ECDsa ImportPublic(string publicKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyPem);
        var fields = PemEncoding.Find(publicKeyPem);
        if (publicKeyPem[fields.Label] is not "PUBLIC KEY")
        {
            throw new ArgumentException($"a checkpoint verification key is a \"PUBLIC KEY\" PEM, not \"{publicKeyPem[fields.Label]}\"", nameof(publicKeyPem));
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(publicKeyPem);
            RequireP256(key, nameof(publicKeyPem));
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    public static void RequireP256(ECDsa key, string parameter)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (!curve.IsNamed || curve.Oid.Value != P256Oid)
        {
            throw new ArgumentException($"a checkpoint key is on the P-256 curve, not {curve.Oid.FriendlyName ?? curve.Oid.Value ?? "an explicit curve"}", parameter);
        }
    }
}
