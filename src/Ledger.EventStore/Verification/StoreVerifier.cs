using System.Text;
using Ledger.EventStore.Hashing;
using Npgsql;

namespace Ledger.EventStore.Verification;

/// <summary>What verify found wrong with one row.</summary>
public enum IssueKind
{
    /// <summary>The row's content no longer matches its hash: it was changed.</summary>
    Changed,

    /// <summary>A version the chain needs is not there: a row was deleted.</summary>
    Missing,

    /// <summary>A row the stream's head does not account for: it was slipped in.</summary>
    Inserted,

    /// <summary>Versions of one stream stand in the global log in another order than their numbers.</summary>
    Reordered,

    /// <summary>The stream row's version or head hash disagrees with its events.</summary>
    HeadMismatch,
}

/// <summary>One finding, naming the stream and, where there is one, the version and global position.</summary>
public sealed record VerificationIssue(IssueKind Kind, Guid StreamId, long? StreamVersion, long? GlobalPosition, string Detail)
{
    public override string ToString() =>
        $"{Kind}: stream {StreamId}{(StreamVersion is { } v ? $" version {v}" : string.Empty)}{(GlobalPosition is { } p ? $" (position {p})" : string.Empty)}: {Detail}";
}

/// <summary>The outcome of a verification run.</summary>
public sealed record VerificationReport(long StreamsChecked, long EventsChecked, IReadOnlyList<VerificationIssue> Issues)
{
    public bool IsClean => Issues.Count == 0;
}

/// <summary>
/// Walks every stream and event and recomputes the hash chain from the stored bytes. Reports each row that
/// was changed, deleted, inserted or re-ordered behind the application's back, naming stream and version.
/// </summary>
public sealed class StoreVerifier(NpgsqlDataSource dataSource, string schema = "ledger")
{
    public async Task<VerificationReport> VerifyAsync(CancellationToken cancellationToken = default)
    {
        new EventStoreOptions { Schema = schema }.Validate();
        var issues = new List<VerificationIssue>();
        var heads = await ReadHeadsAsync(cancellationToken);
        long events = 0;
        var seen = new HashSet<Guid>();
        StreamWalk? walk = null;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT stream_id, stream_version, global_position, event_id, event_type, data::text, data_encrypted, key_id, metadata::text, recorded_at, hash
             FROM {schema}.events ORDER BY stream_id, stream_version
             """,
            connection);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events++;
            var streamId = reader.GetGuid(0);
            var version = reader.GetInt64(1);
            var position = reader.GetInt64(2);
            var eventId = reader.GetGuid(3);
            var type = reader.GetString(4);
            var data = reader.IsDBNull(5) ? null : reader.GetString(5);
            var encrypted = reader.IsDBNull(6) ? null : (byte[])reader[6];
            Guid? keyId = reader.IsDBNull(7) ? null : reader.GetGuid(7);
            var metadata = reader.GetString(8);
            var micros = DateTime.SpecifyKind(reader.GetDateTime(9), DateTimeKind.Utc).Subtract(DateTime.UnixEpoch).Ticks / 10;
            var stored = (byte[])reader[10];

            if (walk is null || walk.StreamId != streamId)
            {
                if (walk is not null)
                {
                    walk.Finish(heads, issues);
                }

                walk = new StreamWalk(streamId);
                seen.Add(streamId);
            }

            var payload = encrypted ?? Encoding.UTF8.GetBytes(data ?? string.Empty);
            walk.Step(version, position, stored, new HashedFields(streamId, version, eventId, type, micros, keyId, metadata, payload), heads, issues);
        }

        walk?.Finish(heads, issues);
        foreach (var (streamId, head) in heads.Where(h => !seen.Contains(h.Key) && h.Value.Version > 0))
        {
            issues.Add(new VerificationIssue(IssueKind.Missing, streamId, 1, null, $"the stream says it has {head.Version} events but none is stored"));
        }

        return new VerificationReport(heads.Count, events, issues);
    }

    private async Task<Dictionary<Guid, Head>> ReadHeadsAsync(CancellationToken cancellationToken)
    {
        var heads = new Dictionary<Guid, Head>();
        await using var command = dataSource.CreateCommand($"SELECT stream_id, version, head_hash FROM {schema}.streams");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            heads[reader.GetGuid(0)] = new Head(reader.GetInt64(1), (byte[])reader[2]);
        }

        return heads;
    }

    private sealed record Head(long Version, byte[] Hash);

    private sealed class StreamWalk(Guid streamId)
    {
        private byte[]? previousHash;
        private long previousVersion;
        private long previousPosition;

        public Guid StreamId { get; } = streamId;

        public void Step(long version, long position, byte[] stored, in HashedFields fields, Dictionary<Guid, Head> heads, List<VerificationIssue> issues)
        {
            var head = heads.GetValueOrDefault(StreamId);
            if (head is null)
            {
                issues.Add(new VerificationIssue(IssueKind.Inserted, StreamId, version, position, "the event belongs to no stream the store knows"));
            }
            else if (version > head.Version)
            {
                issues.Add(new VerificationIssue(IssueKind.Inserted, StreamId, version, position, $"the stream's head is version {head.Version}; this later version was not appended through the store"));
            }

            var expectedVersion = previousVersion + 1;
            var gap = version != expectedVersion;
            if (gap)
            {
                var missing = expectedVersion == version - 1 ? $"version {expectedVersion} is" : $"versions {expectedVersion}-{version - 1} are";
                issues.Add(new VerificationIssue(IssueKind.Missing, StreamId, expectedVersion, null, $"{missing} missing before version {version}"));
            }

            if (previousVersion > 0 && position < previousPosition)
            {
                issues.Add(new VerificationIssue(IssueKind.Reordered, StreamId, version, position, $"stands in the global log before version {previousVersion} (position {previousPosition})"));
            }

            // After a gap the true previous hash is gone with the deleted row: only the gap is reported there.
            if (!gap)
            {
                var recomputed = EventHasher.Compute(previousHash ?? EventHasher.Genesis.ToArray(), fields);
                if (!recomputed.AsSpan().SequenceEqual(stored))
                {
                    issues.Add(new VerificationIssue(IssueKind.Changed, StreamId, version, position, "the stored content does not match its hash"));
                }
            }

            previousHash = stored;
            previousVersion = version;
            previousPosition = position;
        }

        public void Finish(Dictionary<Guid, Head> heads, List<VerificationIssue> issues)
        {
            if (!heads.TryGetValue(StreamId, out var head))
            {
                return;
            }

            if (head.Version > previousVersion)
            {
                issues.Add(new VerificationIssue(IssueKind.Missing, StreamId, previousVersion + 1, null, $"the stream's head is version {head.Version} but the last stored event is version {previousVersion}"));
            }
            else if (head.Version == previousVersion && previousHash is not null && !head.Hash.AsSpan().SequenceEqual(previousHash))
            {
                issues.Add(new VerificationIssue(IssueKind.HeadMismatch, StreamId, previousVersion, null, "the stream's head hash is not the hash of its last event"));
            }
        }
    }
}
