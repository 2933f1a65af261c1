using System.Security.Cryptography;
using Ledger.EventStore.Protection;

namespace Ledger.App.Hosting;

/// <summary>
/// The secrets the ledger needs: master keys (wrap the per-patient data keys), the identifier hash key (look up
/// patients by СНИЛС/ЕНП without storing them) and the token signing key. Each comes from its environment
/// variable; when a variable is not set, a development key is generated once under the ledger's home
/// (<c>keys/</c>, owner-only) and reused, with a warning. Production sets all three.
/// </summary>
public sealed record LedgerKeys(IMasterKeyProvider MasterKeys, KeyedIdentifierHash IdentifierHash, byte[] TokenSigningKey, string CheckpointSigningKeyPem)
{
    public const string TokenKeyVariable = "LEDGER_TOKEN_SIGNING_KEY";

    /// <summary>The checkpoint signing key (ECDSA P-256, PKCS#8 PEM) as text.</summary>
    public const string CheckpointKeyVariable = "LEDGER_CHECKPOINT_SIGNING_KEY";

    /// <summary>A file holding the checkpoint signing key (a mounted secret), when the key is not given as text.</summary>
    public const string CheckpointKeyFileVariable = "LEDGER_CHECKPOINT_SIGNING_KEY_FILE";

    /// <summary>A signer for checkpoints with this ledger's key (the caller disposes it).</summary>
    public EventStore.Checkpoints.CheckpointSigner CheckpointSigner() => EventStore.Checkpoints.CheckpointSigner.FromPem(CheckpointSigningKeyPem);

    /// <summary>Loads the keys from the environment, or from (generated) development files under <paramref name="home"/>.</summary>
    public static LedgerKeys Load(string home, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var directory = Path.Combine(home, "keys");
        var masterKeys = Environment.GetEnvironmentVariable(ConfiguredMasterKeys.DefaultVariable) is { Length: > 0 }
            ? ConfiguredMasterKeys.FromEnvironment()
            : ConfiguredMasterKeys.FromFile(DevelopmentFile(directory, "master.keys", () => "dev-1:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), log));
        var identifierHash = Environment.GetEnvironmentVariable(KeyedIdentifierHash.DefaultVariable) is { Length: > 0 }
            ? KeyedIdentifierHash.FromEnvironment()
            : KeyedIdentifierHash.FromFile(DevelopmentFile(directory, "identifier-hash.key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), log));
        var tokenText = Environment.GetEnvironmentVariable(TokenKeyVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : File.ReadAllText(DevelopmentFile(directory, "token-signing.key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), log));
        var checkpointKey = Environment.GetEnvironmentVariable(CheckpointKeyVariable) is { Length: > 0 } pem
            ? pem
            : Environment.GetEnvironmentVariable(CheckpointKeyFileVariable) is { Length: > 0 } file
                ? File.ReadAllText(file)
                : File.ReadAllText(DevelopmentFile(directory, "checkpoint-signing.pem", NewCheckpointKey, log));
        return new LedgerKeys(masterKeys, identifierHash, TokenKey(tokenText), checkpointKey);
    }

    /// <summary>Fresh random keys held in memory only (tests, one-off tools).</summary>
    public static LedgerKeys Ephemeral() => new(
        new ConfiguredMasterKeys(("test-1", RandomNumberGenerator.GetBytes(32))),
        new KeyedIdentifierHash(RandomNumberGenerator.GetBytes(32)),
        RandomNumberGenerator.GetBytes(32),
        NewCheckpointKey());

    private static string NewCheckpointKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static byte[] TokenKey(string text)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{TokenKeyVariable} is not base64");
        }

        return key.Length >= 32 ? key : throw new InvalidOperationException($"{TokenKeyVariable} must hold at least 32 bytes, not {key.Length}");
    }

    private static string DevelopmentFile(string directory, string name, Func<string> create, TextWriter log)
    {
        var path = Path.Combine(directory, name);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(path, create() + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            log.WriteLine($"warning: generated a development key in {path}; set the environment variables for production (docs/security.md)");
        }

        return path;
    }
}
