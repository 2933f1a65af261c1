using System.Security.Cryptography;
using Ledger.EventStore.Protection;

namespace Ledger.App.Hosting;

/// <summary>
/// The secrets the ledger needs: master keys (wrap the per-patient data keys), the identifier hash key (look up
/// patients by СНИЛС/ЕНП without storing them) and the token signing key. Each comes from its environment
/// variable (or a file named by the variable with <c>_FILE</c> appended); when neither is set, a development key is
/// generated once under the ledger's data directory (<c>keys/</c>, owner-only) and reused, with a warning. Production
/// sets them all.
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

    /// <summary>
    /// Loads each key from its environment variable, or from the file named by the same variable with <c>_FILE</c>
    /// appended (a mounted secret), or from a development file under <paramref name="home"/>, generated on first use.
    /// </summary>
    public static LedgerKeys Load(string home, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var directory = Path.Combine(home, "keys");
        var generated = new List<string>();
        var masterKeys = Set(ConfiguredMasterKeys.DefaultVariable) is { } masterText
            ? masterText.FromFile ? ConfiguredMasterKeys.FromFile(masterText.Value) : ConfiguredMasterKeys.FromEnvironment()
            : ConfiguredMasterKeys.FromFile(DevelopmentFile(directory, "master.keys", () => "dev-1:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), generated));
        var identifierHash = Set(KeyedIdentifierHash.DefaultVariable) is { } hashText
            ? hashText.FromFile ? KeyedIdentifierHash.FromFile(hashText.Value) : KeyedIdentifierHash.FromEnvironment()
            : KeyedIdentifierHash.FromFile(DevelopmentFile(directory, "identifier-hash.key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), generated));
        var tokenText = Set(TokenKeyVariable) is { } token
            ? token.FromFile ? File.ReadAllText(token.Value) : token.Value
            : File.ReadAllText(DevelopmentFile(directory, "token-signing.key", () => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), generated));
        var checkpointKey = Set(CheckpointKeyVariable) is { } checkpoint
            ? checkpoint.FromFile ? File.ReadAllText(checkpoint.Value) : checkpoint.Value
            : File.ReadAllText(DevelopmentFile(directory, "checkpoint-signing.pem", NewCheckpointKey, generated));
        if (generated.Count > 0)
        {
            log.WriteLine(
                $"warning: generated development keys in {directory} ({string.Join(", ", generated)}), kept there for the next runs; " +
                $"production sets {ConfiguredMasterKeys.DefaultVariable}, {KeyedIdentifierHash.DefaultVariable}, {TokenKeyVariable} and {CheckpointKeyVariable} " +
                "(or the same names with _FILE for mounted secrets): docs/security.md");
        }

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

    /// <summary>The variable's value, else the path in <c>VARIABLE_FILE</c>; null when neither is set.</summary>
    private static (string Value, bool FromFile)? Set(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? (value, false)
            : Environment.GetEnvironmentVariable(variable + "_FILE") is { Length: > 0 } file ? (file, true) : null;

    private static string DevelopmentFile(string directory, string name, Func<string> create, List<string> generated)
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

            generated.Add(name);
        }

        return path;
    }
}
