using Ledger.EventStore.Checkpoints;

namespace Ledger.App.Downloads;

/// <summary>
/// The ledger's signature over a downloaded file: ECDSA P-256 over the SHA-256 of the file's exact bytes, DER-encoded
/// (the form <c>openssl dgst -sha256 -verify KEY.pem -signature FILE.sig FILE</c> checks), made with the checkpoint
/// signing key. The key id is the checkpoints' (the first 16 hex digits of the SHA-256 of the public key's SPKI).
/// </summary>
public sealed class FileSigner : IDisposable
{
    /// <summary>The response header of a single-file download: <c>keyid=…; sig=BASE64-DER</c>.</summary>
    public const string Header = "Ledger-Signature";

    /// <summary>The name of the public key inside a ZIP and of the published key's download.</summary>
    public const string PublicKeyFileName = "ledger-signing-key.pem";

    private readonly CheckpointSigner key;

    public FileSigner(string privateKeyPem) => key = CheckpointSigner.FromPem(privateKeyPem);

    /// <summary>The public key (SubjectPublicKeyInfo PEM) that checks every signature.</summary>
    public string PublicKeyPem => key.PublicKeyPem;

    public string KeyId => key.KeyId;

    /// <summary>The DER signature of <paramref name="bytes"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> bytes) => key.SignBytes(bytes);

    /// <summary>The value of <see cref="Header"/> for <paramref name="signature"/>.</summary>
    public string HeaderValue(byte[] signature) => $"keyid={KeyId}; sig={Convert.ToBase64String(signature)}";

    public void Dispose() => key.Dispose();
}

/// <summary>Checks a file signature with a public key alone (the command line's <c>verify-file</c>, the tests).</summary>
public static class FileSignatures
{
    /// <summary>True when <paramref name="signature"/> (DER) is valid for <paramref name="bytes"/> under the P-256 public key.</summary>
    /// <exception cref="ArgumentException">The PEM is not a P-256 "PUBLIC KEY".</exception>
    public static bool Verify(string publicKeyPem, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> signature) => CheckpointVerifier.VerifyBytes(publicKeyPem, bytes, signature);

    /// <summary>The key id of a public key PEM, as the signer names it.</summary>
    public static string KeyIdOf(string publicKeyPem) => CheckpointVerifier.KeyIdOf(publicKeyPem);
}
