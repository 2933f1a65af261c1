using System.Security.Cryptography;
using Ledger.App.Hosting;
using Ledger.EventStore.Protection;

namespace Ledger.Benchmarks;

/// <summary>
/// Keys made for one run, both as the in-process host takes them and as the environment of a `ledger serve` process
/// (docs/security.md names the variables), so that both read the same encrypted events and accept the same tokens.
/// </summary>
internal sealed record BenchKeys(LedgerKeys Keys, IReadOnlyDictionary<string, string> Environment)
{
    public static BenchKeys Create()
    {
        var master = RandomNumberGenerator.GetBytes(32);
        var identifier = RandomNumberGenerator.GetBytes(32);
        var token = RandomNumberGenerator.GetBytes(32);
        using var checkpoint = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = checkpoint.ExportPkcs8PrivateKeyPem();
        return new BenchKeys(
            new LedgerKeys(new ConfiguredMasterKeys(("bench-1", master)), new KeyedIdentifierHash(identifier), token, pem),
            new Dictionary<string, string>
            {
                [ConfiguredMasterKeys.DefaultVariable] = "bench-1:" + Convert.ToBase64String(master),
                [KeyedIdentifierHash.DefaultVariable] = Convert.ToBase64String(identifier),
                [LedgerKeys.TokenKeyVariable] = Convert.ToBase64String(token),
                [LedgerKeys.CheckpointKeyVariable] = pem,
            });
    }
}
