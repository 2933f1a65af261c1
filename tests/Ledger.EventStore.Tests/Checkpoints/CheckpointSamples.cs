using System.Security.Cryptography;
using System.Text;
using Ledger.EventStore.Checkpoints;
using NodaTime;

namespace Ledger.EventStore.Tests.Checkpoints;

/// <summary>Fixed checkpoints and keys for the checkpoint tests.</summary>
internal static class CheckpointSamples
{
    /// <summary>A P-256 key made for these tests only (PKCS#8); its public key's id is <see cref="FixedKeyId"/>.</summary>
    public const string FixedPrivateKeyPem = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg8/VbK1Hopvqqb1jn
        DguxUePUUPEIX6Y+y+LmyFYj4NehRANCAARBCz6/1aXOrInJSPxVS1HdKBnkYoKk
        +uTyHKD2BWjrLosU1BSTjoV+XzAzvhm8TINgz9t8sHkoX1VMnvRN8nfg
        -----END PRIVATE KEY-----
        """;

    public const string FixedPublicKeyPem = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQQs+v9WlzqyJyUj8VUtR3SgZ5GKC
        pPrk8hyg9gVo6y6LFNQUk46Ffl8wM74ZvEyDYM/bfLB5KF9VTJ70TfJ34A==
        -----END PUBLIC KEY-----
        """;

    /// <summary>Computed from the public key's DER with Python's hashlib, not with the code under test.</summary>
    public const string FixedKeyId = "9bdb4510cd6fcd81";

    public static readonly Guid First = Guid.Parse("0196a3c2-7f00-7000-8000-00000000000a");
    public static readonly Guid Second = Guid.Parse("f0000000-0000-4000-8000-000000000001");

    /// <summary>Sequence 7 at position 1234, 2026-03-01T12:34:56.789012Z, heads given out of order.</summary>
    public static Checkpoint Fixed() => new(
        7,
        1234,
        Instant.FromUtc(2026, 3, 1, 12, 34, 56).PlusTicks(7_890_120),
        [new StreamHeadEntry(Second, 12, Filled(0xcd)), new StreamHeadEntry(First, 3, Filled(0xab))]);

    public static byte[] Filled(byte value) => Enumerable.Repeat(value, 32).ToArray();

    /// <summary>A stand-in chain hash, distinct per stream, version and variant.</summary>
    public static byte[] HashOf(Guid stream, long version, string variant = "") => SHA256.HashData(Encoding.UTF8.GetBytes($"{stream:D}/{version}{variant}"));

    /// <summary>A fresh P-256 key as a PKCS#8 PEM.</summary>
    public static string NewPrivateKeyPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    public static byte[] FlipBit(byte[] bytes, int index, int bit = 0)
    {
        var copy = (byte[])bytes.Clone();
        copy[index] ^= (byte)(1 << bit);
        return copy;
    }
}
