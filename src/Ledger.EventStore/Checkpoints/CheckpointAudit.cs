namespace Ledger.EventStore.Checkpoints;

/// <summary>What the checkpoint audit found wrong.</summary>
public enum CheckpointFindingKind
{
    /// <summary>A stream the checkpoint names has no events at all: the whole stream was deleted.</summary>
    StreamMissing,

    /// <summary>A stream the checkpoint names has no event at the checkpoint's version: its tail was deleted.</summary>
    HeadMissing,

    /// <summary>The event at the checkpoint's version has another hash: history was rewritten (or the tail deleted and refilled).</summary>
    HeadChanged,

    /// <summary>A stream the checkpoint does not name has events at positions it covers: slipped in behind the ledger's back.</summary>
    StreamSlippedIn,

    /// <summary>An event at a position the checkpoint covers, beyond the head it records: appended behind the ledger's back.</summary>
    AppendedBehind,

    /// <summary>The signature does not verify under the auditor's public key (or was made with another key).</summary>
    BadSignature,

    /// <summary>A checkpoint's previous digest is not the digest of the checkpoint before it.</summary>
    PreviousDigestMismatch,

    /// <summary>Checkpoint sequence numbers do not follow one another (one is missing, repeated or out of order).</summary>
    SequenceGap,
}

/// <summary>One finding, naming the checkpoint and, where there is one, the stream and version.</summary>
public sealed record CheckpointFinding(CheckpointFindingKind Kind, long CheckpointSequence, Guid? StreamId, long? Version, string Detail)
{
    public override string ToString() =>
        $"{Kind}: checkpoint {CheckpointSequence}{(StreamId is { } s ? $" stream {s:D}" : string.Empty)}{(Version is { } v ? $" version {v}" : string.Empty)}: {Detail}";
}

/// <summary>
/// Compares signed checkpoints with the store's current rows, given as plain data so that it runs on any store (or an
/// export). A checkpoint whose signature fails is reported and not used as evidence; each other checkpoint is checked
/// against every row: its heads must still be there with the same hashes, and every row at or below its position must
/// belong to one of its streams at or below the recorded version.
/// </summary>
public static class CheckpointAudit
{
    /// <param name="checkpoints">The latest checkpoint, or a run of them; the chain between them is checked in sequence order.</param>
    /// <param name="rows">Every stored event, in any order; read once.</param>
    public static IReadOnlyList<CheckpointFinding> Run(string publicKeyPem, IEnumerable<SignedCheckpoint> checkpoints, IEnumerable<ChainedRow> rows)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(rows);
        var keyId = CheckpointVerifier.KeyIdOf(publicKeyPem);
        var findings = new List<CheckpointFinding>();
        var ordered = checkpoints.OrderBy(c => c.Checkpoint.Sequence).ToList();
        findings.AddRange(CheckChain(ordered));

        var trusted = new List<HeadCheck>();
        foreach (var signed in ordered)
        {
            var sequence = signed.Checkpoint.Sequence;
            if (!string.Equals(signed.KeyId, keyId, StringComparison.Ordinal))
            {
                findings.Add(new(CheckpointFindingKind.BadSignature, sequence, null, null, $"signed with key {signed.KeyId}, the auditor's key is {keyId}"));
            }
            else if (!CheckpointVerifier.VerifySignature(publicKeyPem, signed))
            {
                findings.Add(new(CheckpointFindingKind.BadSignature, sequence, null, null, $"the signature does not verify under key {keyId}"));
            }
            else
            {
                trusted.Add(new HeadCheck(signed.Checkpoint));
            }
        }

        foreach (var row in rows)
        {
            foreach (var check in trusted)
            {
                check.See(row, findings);
            }
        }

        foreach (var check in trusted)
        {
            check.Finish(findings);
        }

        return findings;
    }

    private static IEnumerable<CheckpointFinding> CheckChain(List<SignedCheckpoint> ordered)
    {
        for (var i = 0; i < ordered.Count; i++)
        {
            var current = ordered[i];
            var sequence = current.Checkpoint.Sequence;
            if (i == 0)
            {
                if (sequence == 1 && !current.PreviousDigest.AsSpan().SequenceEqual(Checkpoint.GenesisDigest.Span))
                {
                    yield return new(CheckpointFindingKind.PreviousDigestMismatch, sequence, null, null, "the first checkpoint does not chain to the genesis digest (32 zero bytes)");
                }

                continue;
            }

            var previous = ordered[i - 1];
            if (sequence != previous.Checkpoint.Sequence + 1)
            {
                yield return new(CheckpointFindingKind.SequenceGap, sequence, null, null,
                    sequence == previous.Checkpoint.Sequence ? "the sequence number appears twice" : $"follows checkpoint {previous.Checkpoint.Sequence}");
                continue;
            }

            var expected = previous.Digest();
            if (!current.PreviousDigest.AsSpan().SequenceEqual(expected))
            {
                yield return new(CheckpointFindingKind.PreviousDigestMismatch, sequence, null, null,
                    $"previous digest {Convert.ToHexStringLower(current.PreviousDigest)}, checkpoint {previous.Checkpoint.Sequence} digests to {Convert.ToHexStringLower(expected)}");
            }
        }
    }

    /// <summary>One trusted checkpoint, checked against the rows as they stream past.</summary>
    private sealed class HeadCheck(Checkpoint checkpoint)
    {
        private readonly Dictionary<Guid, StreamHeadEntry> heads = checkpoint.Heads.ToDictionary(h => h.StreamId);
        private readonly HashSet<Guid> streamsSeen = [];
        private readonly HashSet<Guid> headsSeen = [];
        private readonly Dictionary<Guid, (long FirstVersion, long Count)> slippedIn = [];

        public void See(ChainedRow row, List<CheckpointFinding> findings)
        {
            var covered = row.GlobalPosition <= checkpoint.GlobalPosition;
            if (!heads.TryGetValue(row.StreamId, out var head))
            {
                if (covered)
                {
                    slippedIn[row.StreamId] = slippedIn.TryGetValue(row.StreamId, out var seen)
                        ? (Math.Min(seen.FirstVersion, row.Version), seen.Count + 1)
                        : (row.Version, 1);
                }

                return;
            }

            streamsSeen.Add(row.StreamId);
            if (row.Version == head.Version)
            {
                headsSeen.Add(row.StreamId);
                if (!row.Hash.AsSpan().SequenceEqual(head.Hash))
                {
                    findings.Add(new(CheckpointFindingKind.HeadChanged, checkpoint.Sequence, row.StreamId, row.Version,
                        $"the checkpoint records hash {Convert.ToHexStringLower(head.Hash)}, the store holds {Convert.ToHexStringLower(row.Hash ?? [])}"));
                }
            }
            else if (row.Version > head.Version && covered)
            {
                findings.Add(new(CheckpointFindingKind.AppendedBehind, checkpoint.Sequence, row.StreamId, row.Version,
                    $"at position {row.GlobalPosition}, within the checkpoint's position {checkpoint.GlobalPosition}, beyond its head version {head.Version}"));
            }
        }

        public void Finish(List<CheckpointFinding> findings)
        {
            foreach (var head in checkpoint.Heads)
            {
                if (!streamsSeen.Contains(head.StreamId))
                {
                    findings.Add(new(CheckpointFindingKind.StreamMissing, checkpoint.Sequence, head.StreamId, null,
                        $"the checkpoint records version {head.Version}, the store holds no event of the stream"));
                }
                else if (!headsSeen.Contains(head.StreamId))
                {
                    findings.Add(new(CheckpointFindingKind.HeadMissing, checkpoint.Sequence, head.StreamId, head.Version,
                        "the checkpoint's head event is not in the store"));
                }
            }

            foreach (var (stream, (first, count)) in slippedIn.OrderBy(s => s.Key.ToString("D"), StringComparer.Ordinal))
            {
                findings.Add(new(CheckpointFindingKind.StreamSlippedIn, checkpoint.Sequence, stream, first,
                    $"not in the checkpoint, yet {count} of its events stand at or below its position {checkpoint.GlobalPosition}"));
            }
        }
    }
}
