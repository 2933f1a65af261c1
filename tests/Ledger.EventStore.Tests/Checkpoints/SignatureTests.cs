using System.Security.Cryptography;
using Ledger.EventStore.Checkpoints;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.Checkpoints;

public sealed class SignatureTests
{
    [Fact]
    public void A_signed_checkpoint_verifies_under_the_signer_s_public_key()
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        var signed = signer.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11));

        Assert.True(CheckpointVerifier.VerifySignature(signer.PublicKeyPem, signed));
        Assert.True(CheckpointVerifier.VerifySignature(CheckpointSamples.FixedPublicKeyPem, signed.Checkpoint, signed.PreviousDigest, signed.Signature));
        Assert.Equal(SignedCheckpoint.SignatureLength, signed.Signature.Length);
    }

    [Fact]
    public void The_key_id_is_the_start_of_the_public_key_s_digest_and_both_private_key_forms_load()
    {
        using var pkcs8 = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        using var key = ECDsa.Create();
        key.ImportFromPem(CheckpointSamples.FixedPrivateKeyPem);
        using var sec1 = CheckpointSigner.FromPem(key.ExportECPrivateKeyPem());

        Assert.Equal(CheckpointSamples.FixedKeyId, pkcs8.KeyId);
        Assert.Equal(CheckpointSamples.FixedKeyId, sec1.KeyId);
        Assert.Equal(CheckpointSamples.FixedKeyId, CheckpointVerifier.KeyIdOf(CheckpointSamples.FixedPublicKeyPem));
        Assert.Equal(CheckpointSamples.FixedPublicKeyPem.ReplaceLineEndings("\n").Trim(), pkcs8.PublicKeyPem.ReplaceLineEndings("\n").Trim());
        Assert.True(CheckpointVerifier.VerifySignature(pkcs8.PublicKeyPem, sec1.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11))));
    }

    [Fact]
    public void A_key_that_is_not_a_P256_private_key_is_refused()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);

        Assert.Throws<ArgumentException>(() => CheckpointSigner.FromPem(p384.ExportPkcs8PrivateKeyPem()));
        Assert.Throws<ArgumentException>(() => CheckpointSigner.FromPem(CheckpointSamples.FixedPublicKeyPem));
        Assert.Throws<ArgumentException>(() => CheckpointVerifier.KeyIdOf(CheckpointSamples.FixedPrivateKeyPem));
        Assert.Throws<ArgumentException>(() => CheckpointVerifier.KeyIdOf(p384.ExportSubjectPublicKeyInfoPem()));
    }

    public static TheoryData<string> Alterations() =>
        ["sequence", "globalPosition", "createdAt", "previousDigest", "streamId", "version", "hash", "headRemoved", "headAdded", "signature"];

    [Theory]
    [MemberData(nameof(Alterations))]
    public void A_flipped_bit_in_any_field_or_in_the_signature_fails_verification(string alteration)
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        var signed = signer.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11));
        var original = signed.Checkpoint;
        var heads = original.Heads.ToList();
        var first = heads[0];
        var other = Guid.NewGuid();
        Checkpoint Rebuilt(IEnumerable<StreamHeadEntry> h, long sequence = 7, long position = 1234, Instant? at = null) =>
            new(sequence, position, at ?? original.CreatedAt, h);
        var (checkpoint, previous, signature) = alteration switch
        {
            "sequence" => (Rebuilt(heads, sequence: 7 ^ 1), signed.PreviousDigest, signed.Signature),
            "globalPosition" => (Rebuilt(heads, position: 1234 ^ 1024), signed.PreviousDigest, signed.Signature),
            "createdAt" => (Rebuilt(heads, at: original.CreatedAt.PlusTicks(10)), signed.PreviousDigest, signed.Signature),
            "previousDigest" => (original, CheckpointSamples.FlipBit(signed.PreviousDigest, 31, 7), signed.Signature),
            "streamId" => (Rebuilt([new StreamHeadEntry(Flip(first.StreamId), first.Version, first.Hash), heads[1]]), signed.PreviousDigest, signed.Signature),
            "version" => (Rebuilt([new StreamHeadEntry(first.StreamId, first.Version ^ 2, first.Hash), heads[1]]), signed.PreviousDigest, signed.Signature),
            "hash" => (Rebuilt([new StreamHeadEntry(first.StreamId, first.Version, CheckpointSamples.FlipBit(first.Hash, 5)), heads[1]]), signed.PreviousDigest, signed.Signature),
            "headRemoved" => (Rebuilt([heads[1]]), signed.PreviousDigest, signed.Signature),
            "headAdded" => (Rebuilt([.. heads, new StreamHeadEntry(other, 1, CheckpointSamples.HashOf(other, 1))]), signed.PreviousDigest, signed.Signature),
            "signature" => (original, signed.PreviousDigest, CheckpointSamples.FlipBit(signed.Signature, 40, 3)),
            _ => throw new ArgumentOutOfRangeException(nameof(alteration), alteration, "no such alteration"),
        };

        Assert.True(CheckpointVerifier.VerifySignature(signer.PublicKeyPem, signed));
        Assert.NotEqual(signed, new SignedCheckpoint(checkpoint, previous, signed.KeyId, signature));
        Assert.False(CheckpointVerifier.VerifySignature(signer.PublicKeyPem, checkpoint, previous, signature));
    }

    [Fact]
    public void Every_bit_of_the_signature_matters()
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        var signed = signer.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11));

        var accepted = Enumerable.Range(0, signed.Signature.Length * 8)
            .Where(bit => CheckpointVerifier.VerifySignature(signer.PublicKeyPem, signed.Checkpoint, signed.PreviousDigest, CheckpointSamples.FlipBit(signed.Signature, bit / 8, bit % 8)))
            .ToList();

        Assert.Empty(accepted);
    }

    [Fact]
    public void A_signature_does_not_verify_under_another_key()
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        using var other = CheckpointSigner.FromPem(CheckpointSamples.NewPrivateKeyPem());
        var signed = signer.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11));

        Assert.NotEqual(signer.KeyId, other.KeyId);
        Assert.False(CheckpointVerifier.VerifySignature(other.PublicKeyPem, signed));
    }

    [Fact]
    public void Signing_after_a_previous_checkpoint_chains_to_its_digest_and_refuses_a_gap()
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        var stream = Guid.NewGuid();
        var first = signer.Sign(new Checkpoint(1, 1, Instant.FromUnixTimeSeconds(1), [new StreamHeadEntry(stream, 1, CheckpointSamples.HashOf(stream, 1))]), previous: null);
        var second = signer.Sign(new Checkpoint(2, 2, Instant.FromUnixTimeSeconds(2), [new StreamHeadEntry(stream, 2, CheckpointSamples.HashOf(stream, 2))]), first);

        Assert.Equal(Checkpoint.GenesisDigest.ToArray(), first.PreviousDigest);
        Assert.Equal(first.Digest(), second.PreviousDigest);
        Assert.Throws<ArgumentException>(() => signer.Sign(new Checkpoint(4, 3, Instant.FromUnixTimeSeconds(3), []), second));
        Assert.Throws<ArgumentException>(() => signer.Sign(new Checkpoint(2, 3, Instant.FromUnixTimeSeconds(3), []), previous: null));
    }

    private static Guid Flip(Guid id)
    {
        var bytes = id.ToByteArray();
        bytes[15] ^= 1;
        return new Guid(bytes);
    }
}
