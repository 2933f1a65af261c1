using Ledger.EventStore.Hashing;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Verification;

/// <summary>
/// Recomputes the hash chain of every stream in Marten's tables from the stored bytes alone (no keys needed, so it
/// still verifies after crypto-shredding) and names each row that was changed, removed, slipped in or moved, by
/// stream and version. What a chain cannot show by itself (a stream's tail removed with its head row fixed up, a whole
/// stream removed) is caught by comparing with a signed checkpoint.
/// </summary>
public sealed class StoreVerifier(NpgsqlDataSource dataSource, string schema = "ledger")
{
    public async Task<VerificationReport> VerifyAsync(CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var issues = new List<VerificationIssue>();
        var streams = new Dictionary<Guid, long>();
        await using (var command = dataSource.CreateCommand($"SELECT s.id, s.version FROM {schema}.mt_streams s WHERE {EventStore.NotTombstoneStream(schema, "s")}"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                streams[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        long events = 0;
        Guid? current = null;
        long expectedVersion = 0;
        long lastSequence = 0;
        byte[] previous = EventHasher.Genesis.ToArray();
        await using (var command = dataSource.CreateCommand($"""
            SELECT stream_id, version, seq_id, id, type, bdata, headers ->> '{EventStore.MetadataHeader}', headers ->> '{EventStore.HashHeader}', timestamp
            FROM {schema}.mt_events e WHERE {EventStore.NotTombstone(schema, "e")} ORDER BY stream_id, version
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                events++;
                var stream = reader.GetGuid(0);
                var version = reader.GetInt64(1);
                var sequence = reader.GetInt64(2);
                if (stream != current)
                {
                    Finish(current, expectedVersion, streams, issues);
                    current = stream;
                    expectedVersion = 0;
                    lastSequence = 0;
                    previous = EventHasher.Genesis.ToArray();
                    if (!streams.ContainsKey(stream))
                    {
                        issues.Add(new VerificationIssue(IssueKind.Inserted, stream, version, sequence, "events of a stream that has no stream row"));
                    }
                }

                if (version != expectedVersion + 1)
                {
                    issues.Add(new VerificationIssue(version <= expectedVersion ? IssueKind.Inserted : IssueKind.Missing, stream, expectedVersion + 1, null,
                        version <= expectedVersion ? $"version {version} stands twice" : $"versions {expectedVersion + 1} to {version - 1} are missing"));
                }

                if (sequence < lastSequence)
                {
                    issues.Add(new VerificationIssue(IssueKind.Reordered, stream, version, sequence, "stands before an earlier version in the global sequence"));
                }

                var stored = reader.IsDBNull(5) ? [] : reader.GetFieldValue<byte[]>(5);
                var metadata = reader.IsDBNull(6) ? string.Empty : reader.GetString(6);
                var storedHash = reader.IsDBNull(7) ? null : reader.GetString(7);
                var at = Instant.FromDateTimeOffset(reader.GetFieldValue<DateTimeOffset>(8));
                var hash = EventStore.Hash(previous, stream, version, reader.GetGuid(3), reader.GetString(4), at, metadata, stored);
                if (storedHash is null || !string.Equals(storedHash, Convert.ToHexStringLower(hash), StringComparison.Ordinal))
                {
                    issues.Add(new VerificationIssue(IssueKind.Changed, stream, version, sequence, storedHash is null ? "the event carries no hash" : "the stored bytes no longer match the chain"));
                }

                previous = storedHash is null ? hash : Convert.FromHexString(storedHash);
                expectedVersion = version;
                lastSequence = sequence;
            }
        }

        Finish(current, expectedVersion, streams, issues);
        return new VerificationReport(streams.Count, events, issues);
    }

    private static void Finish(Guid? stream, long lastVersion, Dictionary<Guid, long> streams, List<VerificationIssue> issues)
    {
        if (stream is { } id && streams.TryGetValue(id, out var recorded) && recorded != lastVersion)
        {
            issues.Add(new VerificationIssue(IssueKind.HeadMismatch, id, recorded, null, $"the stream row says version {recorded}, its events end at {lastVersion}"));
        }
    }
}
