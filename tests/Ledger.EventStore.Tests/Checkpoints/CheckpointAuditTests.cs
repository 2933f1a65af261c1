using Ledger.EventStore.Checkpoints;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.Checkpoints;

public sealed class CheckpointAuditTests : IDisposable
{
    private static readonly Guid A = Guid.Parse("00000000-0000-4000-8000-0000000000aa");
    private static readonly Guid B = Guid.Parse("00000000-0000-4000-8000-0000000000bb");
    private static readonly Guid C = Guid.Parse("00000000-0000-4000-8000-0000000000cc");
    private static readonly Guid Forged = Guid.Parse("00000000-0000-4000-8000-0000000000dd");
    private static readonly Guid Later = Guid.Parse("00000000-0000-4000-8000-0000000000ee");

    private readonly CheckpointSigner signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);

    public void Dispose() => signer.Dispose();

    /// <summary>
    /// Covered by the checkpoint at position 80: A v1–3, B v1–3, C v1–2. After it: A v4, a new stream <see cref="Later"/>, B v4.
    /// Positions step by 10 so that a tamper case can slip a row in between.
    /// </summary>
    private static List<ChainedRow> Store() =>
    [
        Row(A, 1, 10), Row(B, 1, 20), Row(A, 2, 30), Row(C, 1, 40), Row(B, 2, 50), Row(A, 3, 60), Row(C, 2, 70), Row(B, 3, 80),
        Row(A, 4, 90), Row(Later, 1, 100), Row(B, 4, 110),
    ];

    private static ChainedRow Row(Guid stream, long version, long position, string variant = "") =>
        new(stream, version, position, CheckpointSamples.HashOf(stream, version, variant));

    private static Checkpoint CheckpointAt80(long sequence = 1) => new(
        sequence,
        80,
        Instant.FromUnixTimeSeconds(1_800_000_000),
        [new StreamHeadEntry(A, 3, CheckpointSamples.HashOf(A, 3)), new StreamHeadEntry(B, 3, CheckpointSamples.HashOf(B, 3)), new StreamHeadEntry(C, 2, CheckpointSamples.HashOf(C, 2))]);

    [Fact]
    public void An_untouched_store_with_events_after_the_checkpoint_has_no_findings()
    {
        var first = signer.Sign(new Checkpoint(1, 40, Instant.FromUnixTimeSeconds(1_799_999_000), [new StreamHeadEntry(A, 2, CheckpointSamples.HashOf(A, 2)), new StreamHeadEntry(B, 1, CheckpointSamples.HashOf(B, 1)), new StreamHeadEntry(C, 1, CheckpointSamples.HashOf(C, 1))]), previous: null);
        var second = signer.Sign(CheckpointAt80(2), first);

        Assert.Empty(CheckpointAudit.Run(signer.PublicKeyPem, [second, first], Store()));
    }

    public static TheoryData<CheckpointFindingKind> Kinds() => [.. Enum.GetValues<CheckpointFindingKind>()];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_of_tampering_is_found_and_named(CheckpointFindingKind kind)
    {
        var rows = Store();
        var checkpoints = new List<SignedCheckpoint> { signer.Sign(CheckpointAt80(), previous: null) };
        (Guid? Stream, long? Version, long Sequence) expected = (null, null, 1);
        switch (kind)
        {
            case CheckpointFindingKind.StreamMissing:
                rows.RemoveAll(r => r.StreamId == C);
                expected = (C, null, 1);
                break;
            case CheckpointFindingKind.HeadMissing:
                rows.RemoveAll(r => r.StreamId == B && r.Version >= 3);
                expected = (B, 3, 1);
                break;
            case CheckpointFindingKind.HeadChanged:
                // The tail deleted and the head refilled with a correctly chained event of other content.
                rows.RemoveAll(r => r.StreamId == A && r.Version >= 3);
                rows.Add(Row(A, 3, 120, "refilled"));
                expected = (A, 3, 1);
                break;
            case CheckpointFindingKind.StreamSlippedIn:
                rows.Insert(3, Row(Forged, 1, 35));
                rows.Insert(5, Row(Forged, 2, 45));
                expected = (Forged, 1, 1);
                break;
            case CheckpointFindingKind.AppendedBehind:
                rows.Add(Row(C, 3, 75));
                expected = (C, 3, 1);
                break;
            case CheckpointFindingKind.BadSignature:
                var signed = checkpoints[0];
                checkpoints[0] = new SignedCheckpoint(signed.Checkpoint, signed.PreviousDigest, signed.KeyId, CheckpointSamples.FlipBit(signed.Signature, 0));
                break;
            case CheckpointFindingKind.PreviousDigestMismatch:
                checkpoints.Add(signer.Sign(CheckpointAt80(2), CheckpointSamples.FlipBit(checkpoints[0].Digest(), 0)));
                expected = (null, null, 2);
                break;
            case CheckpointFindingKind.SequenceGap:
                checkpoints.Add(signer.Sign(CheckpointAt80(3), checkpoints[0].Digest()));
                expected = (null, null, 3);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "no tamper case for this kind");
        }

        var finding = Assert.Single(CheckpointAudit.Run(signer.PublicKeyPem, checkpoints, rows));

        Assert.Equal(kind, finding.Kind);
        Assert.Equal(expected, (finding.StreamId, finding.Version, finding.CheckpointSequence));
        Assert.DoesNotContain('\n', finding.ToString());
        Assert.StartsWith($"{kind}: checkpoint {expected.Sequence}", finding.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_checkpoint_signed_with_another_key_is_a_bad_signature_and_not_used_as_evidence()
    {
        using var other = CheckpointSigner.FromPem(CheckpointSamples.NewPrivateKeyPem());
        var rows = Store();
        rows.RemoveAll(r => r.StreamId == C);

        var finding = Assert.Single(CheckpointAudit.Run(signer.PublicKeyPem, [other.Sign(CheckpointAt80(), previous: null)], rows));

        Assert.Equal(CheckpointFindingKind.BadSignature, finding.Kind);
        Assert.Contains(other.KeyId, finding.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finding_reads_as_one_line_naming_stream_and_version()
    {
        var rows = Store();
        rows.RemoveAll(r => r.StreamId == B && r.Version >= 3);

        var finding = Assert.Single(CheckpointAudit.Run(signer.PublicKeyPem, [signer.Sign(CheckpointAt80(), previous: null)], rows));

        Assert.Equal($"HeadMissing: checkpoint 1 stream {B:D} version 3: the checkpoint's head event is not in the store", finding.ToString());
    }
}
