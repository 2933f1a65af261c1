using Ledger.EventStore.Checkpoints;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.Checkpoints;

public sealed class CanonicalBytesTests
{
    /// <summary>Approved: computed by tools/verify_export.py's checkpoint_canonical from the same fields.</summary>
    private const string Approved =
        "000000146c65646765722e636865636b706f696e742e7631" + "0000000137" + "000000043132333400000010" + "31373732333638343936373839303132"
        + "00000020" + "1111111111111111111111111111111111111111111111111111111111111111" + "0000000132"
        + "00000024" + "30313936613363322d376630302d373030302d383030302d303030303030303030303061" + "0000000133"
        + "00000020" + "abababababababababababababababababababababababababababababababab"
        + "00000024" + "66303030303030302d303030302d343030302d383030302d303030303030303030303031" + "000000023132"
        + "00000020" + "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";

    [Fact]
    public void The_canonical_bytes_of_a_fixed_checkpoint_are_the_approved_ones()
    {
        var bytes = CheckpointSamples.Fixed().CanonicalBytes(CheckpointSamples.Filled(0x11));

        Assert.Equal(Approved, Convert.ToHexStringLower(bytes));
        Assert.Equal("d455692e1666bdb7b2739510f1eaeb77bdeca4ae1f87a0b71baf2478317aba14", Convert.ToHexStringLower(CheckpointSamples.Fixed().Digest(CheckpointSamples.Filled(0x11))));
    }

    [Fact]
    public void Heads_are_kept_in_order_of_the_lower_case_stream_id_whatever_order_they_come_in()
    {
        var ids = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToList();
        var checkpoint = new Checkpoint(1, 40, Instant.FromUnixTimeSeconds(0), ids.Select(id => new StreamHeadEntry(id, 1, CheckpointSamples.HashOf(id, 1))));

        Assert.Equal(ids.Select(id => id.ToString("D")).Order(StringComparer.Ordinal), checkpoint.Heads.Select(h => h.StreamId.ToString("D")));
        Assert.Equal(checkpoint.CanonicalBytes(Checkpoint.GenesisDigest.Span), new Checkpoint(1, 40, Instant.FromUnixTimeSeconds(0), checkpoint.Heads.Reverse()).CanonicalBytes(Checkpoint.GenesisDigest.Span));
    }

    [Fact]
    public void A_checkpoint_refuses_what_its_bytes_cannot_say_exactly()
    {
        var stream = Guid.NewGuid();
        var head = new StreamHeadEntry(stream, 1, CheckpointSamples.HashOf(stream, 1));

        Assert.Throws<ArgumentException>(() => new Checkpoint(1, 1, Instant.FromUnixTimeTicks(15), [head]));
        Assert.Throws<ArgumentException>(() => new Checkpoint(1, 1, Instant.FromUnixTimeSeconds(0), [head, head]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Checkpoint(0, 1, Instant.FromUnixTimeSeconds(0), [head]));
        Assert.Throws<ArgumentException>(() => new StreamHeadEntry(stream, 1, new byte[31]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamHeadEntry(stream, 0, new byte[32]));
        Assert.Throws<ArgumentException>(() => CheckpointSamples.Fixed().CanonicalBytes(new byte[31]));
    }

    [Fact]
    public void A_signed_checkpoint_line_reads_back_equal_and_names_a_malformed_field()
    {
        using var signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
        var signed = signer.Sign(CheckpointSamples.Fixed(), CheckpointSamples.Filled(0x11));
        var line = signed.ToJsonLine();

        Assert.Equal(signed, SignedCheckpoint.FromJsonLine(line));
        Assert.StartsWith("{\"checkpoint\":{\"format\":\"ledger.checkpoint.v1\",\"sequence\":7,\"globalPosition\":1234,\"createdAtMicros\":1772368496789012,"
            + "\"previousDigest\":\"1111111111111111111111111111111111111111111111111111111111111111\",\"heads\":[{\"streamId\":\"0196a3c2-7f00-7000-8000-00000000000a\",\"version\":3,", line, StringComparison.Ordinal);
        Assert.Contains($"\"keyId\":\"{CheckpointSamples.FixedKeyId}\",\"signature\":\"{Convert.ToHexStringLower(signed.Signature)}\"}}}}", line, StringComparison.Ordinal);
        Assert.Contains("heads[1]", Assert.Throws<FormatException>(() => SignedCheckpoint.FromJsonLine(line.Replace("\"version\":12", "\"version\":0", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
        Assert.Contains("signature", Assert.Throws<FormatException>(() => SignedCheckpoint.FromJsonLine(line.Replace("\"signature\":\"", "\"signature\":\"zz", StringComparison.Ordinal))).Message, StringComparison.Ordinal);
    }
}
