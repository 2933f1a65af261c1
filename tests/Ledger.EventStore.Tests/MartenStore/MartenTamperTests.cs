
using Ledger.EventStore.Protection;
using Ledger.EventStore.Tests.Protection;
using Ledger.EventStore.Verification;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.MartenStore;

/// <summary>Each way of changing Marten's tables behind the ledger's back, and what the chain verifier names.</summary>
public sealed class MartenTamperTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static async Task<(MartenScope Scope, Guid Stream, Guid Other)> SeededAsync(PostgresDatabase database)
    {
        var scope = await MartenScope.CreateAsync(database);
        var (stream, other) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendAsync(stream, ExpectedVersion.NoStream, new Opened("a"), new Deposited(1m), new Deposited(2m), new Withdrawn(3m));
        await scope.AppendAsync(other, ExpectedVersion.NoStream, new Opened("b"), new Deposited(5m));
        Assert.True((await scope.VerifyAsync()).IsClean);
        return (scope, stream, other);
    }

    [Fact]
    public async Task An_altered_payload_is_named_by_stream_and_version()
    {
        var (scope, stream, _) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = convert_to(E'\\x01' || '{{\"amount\":200}}', 'UTF8') WHERE stream_id = '{stream}' AND version = 2");

        var issue = Assert.Single((await scope.VerifyAsync()).Issues);
        Assert.Equal((IssueKind.Changed, stream, 2L), (issue.Kind, issue.StreamId, issue.StreamVersion));
    }

    [Fact]
    public async Task Altered_metadata_a_changed_type_or_a_moved_timestamp_is_named()
    {
        var (scope, stream, _) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET headers = jsonb_set(headers, '{{{EventStore.MetadataHeader}}}', to_jsonb('{{\"actorId\":\"x\"}}'::text)) WHERE stream_id = '{stream}' AND version = 1");
        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET type = 'accounts.withdrawn.v1' WHERE stream_id = '{stream}' AND version = 3");
        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET timestamp = timestamp - interval '1 day' WHERE stream_id = '{stream}' AND version = 4");

        var issues = (await scope.VerifyAsync()).Issues;
        Assert.Equal([(IssueKind.Changed, 1L), (IssueKind.Changed, 3L), (IssueKind.Changed, 4L)], issues.Select(i => (i.Kind, i.StreamVersion!.Value)));
    }

    [Fact]
    public async Task A_deleted_event_in_the_middle_of_a_stream_is_named_as_missing()
    {
        var (scope, stream, _) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($"DELETE FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 2");

        var issues = (await scope.VerifyAsync()).Issues;
        Assert.Contains(issues, i => i is { Kind: IssueKind.Missing, StreamVersion: 2 } && i.StreamId == stream);
    }

    [Fact]
    public async Task A_deleted_tail_without_fixing_the_head_is_a_head_mismatch()
    {
        var (scope, stream, _) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($"DELETE FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 4");

        var issue = Assert.Single((await scope.VerifyAsync()).Issues);
        Assert.Equal((IssueKind.HeadMismatch, stream, 4L), (issue.Kind, issue.StreamId, issue.StreamVersion));
    }

    [Fact]
    public async Task An_event_appended_behind_the_ledgers_back_without_the_chain_is_named()
    {
        var (scope, stream, _) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($$"""
            INSERT INTO {schema}.mt_events (seq_id, id, stream_id, version, data, bdata, type, timestamp, headers)
            SELECT nextval('{schema}.mt_events_sequence'), gen_random_uuid(), stream_id, 5, data, bdata, type, timestamp, headers
            FROM {schema}.mt_events WHERE stream_id = '{{stream}}' AND version = 4;
            UPDATE {schema}.mt_streams SET version = 5 WHERE id = '{{stream}}'
            """);

        var issue = Assert.Single((await scope.VerifyAsync()).Issues);
        Assert.Equal((IssueKind.Changed, stream, 5L), (issue.Kind, issue.StreamId, issue.StreamVersion));
    }

    [Fact]
    public async Task An_event_moved_to_another_stream_is_named_in_both()
    {
        var (scope, stream, other) = await SeededAsync(database);
        await using var _ = scope;

        await scope.ExecuteAsync($$"""
            UPDATE {schema}.mt_events SET stream_id = '{{other}}', version = 3 WHERE stream_id = '{{stream}}' AND version = 4;
            UPDATE {schema}.mt_streams SET version = 3 WHERE id = '{{stream}}';
            UPDATE {schema}.mt_streams SET version = 3 WHERE id = '{{other}}'
            """);

        var issues = (await scope.VerifyAsync()).Issues;
        Assert.Contains(issues, i => i is { Kind: IssueKind.Changed, StreamVersion: 3 } && i.StreamId == other);
    }

    [Fact]
    public async Task A_sealed_payload_moved_to_another_event_of_the_same_subject_is_refused_on_read_and_named_by_verify()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("first"), new Noted("second"));

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = (SELECT bdata FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 2) WHERE stream_id = '{stream}' AND version = 1");

        await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream, maxCount: 1));
        Assert.Contains((await scope.VerifyAsync()).Issues, i => i is { Kind: IssueKind.Changed, StreamVersion: 1 });
    }
}
