using Ledger.EventStore.Hashing;
using Ledger.EventStore.Verification;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class VerifyTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task An_untouched_store_verifies_clean()
    {
        await using var scope = await SeededAsync();

        var report = await Verify(scope);

        Assert.True(report.IsClean, string.Join("\n", report.Issues));
        Assert.Equal(3, report.StreamsChecked);
        Assert.Equal(9, report.EventsChecked);
    }

    [Fact]
    public async Task An_update_of_one_event_s_data_is_reported_naming_the_row()
    {
        await using var scope = await SeededAsync();
        var (stream, position) = await RowAsync(scope, 2);
        await scope.ExecuteAsync($"UPDATE {{schema}}.events SET data = '{{\"amount\": 1000000}}' WHERE global_position = {position}");

        var issue = Assert.Single((await Verify(scope)).Issues);

        Assert.Equal(new VerificationIssue(IssueKind.Changed, stream, 2, position, issue.Detail), issue);
    }

    [Fact]
    public async Task A_deleted_event_is_reported_naming_the_missing_version()
    {
        await using var scope = await SeededAsync();
        var (stream, position) = await RowAsync(scope, 2);
        await scope.ExecuteAsync($"DELETE FROM {{schema}}.events WHERE global_position = {position}");

        var issue = Assert.Single((await Verify(scope)).Issues);

        Assert.Equal(IssueKind.Missing, issue.Kind);
        Assert.Equal(stream, issue.StreamId);
        Assert.Equal(2, issue.StreamVersion);
    }

    [Fact]
    public async Task A_deleted_last_event_is_reported_against_the_stream_head()
    {
        await using var scope = await SeededAsync();
        var (stream, position) = await RowAsync(scope, 3);
        await scope.ExecuteAsync($"DELETE FROM {{schema}}.events WHERE global_position = {position}");

        var issue = Assert.Single((await Verify(scope)).Issues);

        Assert.Equal((IssueKind.Missing, stream, 3L), (issue.Kind, issue.StreamId, issue.StreamVersion!.Value));
    }

    [Fact]
    public async Task A_forged_event_inserted_with_a_correct_looking_hash_is_reported()
    {
        await using var scope = await SeededAsync();
        var (stream, _) = await RowAsync(scope, 3);
        var head = await scope.ScalarAsync<byte[]>($"SELECT head_hash FROM {{schema}}.streams WHERE stream_id = '{stream}'");
        var forgedId = Guid.NewGuid();
        var micros = Streams.At(15).ToUnixTimeTicks() / 10;
        var hash = EventHasher.Compute(head, new HashedFields(stream, 4, forgedId, "accounts.withdrawn.v1", micros, null, "{}", "{\"amount\": 99}"u8.ToArray()));
        await scope.ExecuteAsync($$"""
            INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, hash)
            VALUES ('{{stream}}', 4, '{{forgedId}}', 'accounts.withdrawn.v1', '{"amount": 99}', '{}', '2026-01-10T15:00:00Z', '\x{{Convert.ToHexStringLower(hash)}}')
            """);
        var position = await scope.ScalarAsync<long>($"SELECT global_position FROM {{schema}}.events WHERE event_id = '{forgedId}'");

        var issue = Assert.Single((await Verify(scope)).Issues);

        Assert.Equal((IssueKind.Inserted, stream, 4L, position), (issue.Kind, issue.StreamId, issue.StreamVersion!.Value, issue.GlobalPosition!.Value));
    }

    [Fact]
    public async Task An_event_of_an_unknown_stream_is_reported()
    {
        await using var scope = await SeededAsync();
        var stranger = Guid.NewGuid();
        await scope.ExecuteAsync($$"""
            INSERT INTO {schema}.events (stream_id, stream_version, event_id, event_type, data, metadata, recorded_at, hash)
            VALUES ('{{stranger}}', 1, '{{Guid.NewGuid()}}', 'accounts.opened.v1', '{"owner": "x"}', '{}', now(), '\x00')
            """);

        var issues = (await Verify(scope)).Issues;

        Assert.Contains(issues, i => i.Kind == IssueKind.Inserted && i.StreamId == stranger && i.StreamVersion == 1);
    }

    [Fact]
    public async Task A_swap_of_two_versions_is_reported_naming_both_rows()
    {
        await using var scope = await SeededAsync();
        var (stream, second) = await RowAsync(scope, 2);
        var (_, third) = await RowAsync(scope, 3);
        await scope.ExecuteAsync($$"""
            UPDATE {schema}.events SET stream_version = 1000 WHERE global_position = {{second}};
            UPDATE {schema}.events SET stream_version = 2 WHERE global_position = {{third}};
            UPDATE {schema}.events SET stream_version = 3 WHERE global_position = {{second}};
            """);

        var issues = (await Verify(scope)).Issues;

        Assert.Contains(issues, i => i.Kind == IssueKind.Changed && i.StreamId == stream && i.StreamVersion == 2 && i.GlobalPosition == third);
        Assert.Contains(issues, i => i.Kind == IssueKind.Changed && i.StreamId == stream && i.StreamVersion == 3 && i.GlobalPosition == second);
        Assert.Contains(issues, i => i.Kind == IssueKind.Reordered && i.StreamId == stream && i.StreamVersion == 3);
        Assert.All(issues, i => Assert.Equal(stream, i.StreamId));
    }

    [Fact]
    public async Task A_rewritten_stream_head_is_reported()
    {
        await using var scope = await SeededAsync();
        var (stream, _) = await RowAsync(scope, 1);
        await scope.ExecuteAsync($"UPDATE {{schema}}.streams SET head_hash = '\\x00' WHERE stream_id = '{stream}'");

        var issue = Assert.Single((await Verify(scope)).Issues);

        Assert.Equal((IssueKind.HeadMismatch, stream), (issue.Kind, issue.StreamId));
    }

    private static Task<VerificationReport> Verify(StoreScope scope) => new StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync();

    /// <summary>Three streams of three events each, the first stream's version 2 and 3 being the targets.</summary>
    private async Task<StoreScope> SeededAsync()
    {
        var scope = await StoreScope.CreateAsync(database);
        for (var s = 0; s < 3; s++)
        {
            var id = Guid.NewGuid();
            if (s == 0)
            {
                await scope.ExecuteAsync($"CREATE TABLE {{schema}}.target (stream_id uuid)");
                await scope.ExecuteAsync($"INSERT INTO {{schema}}.target VALUES ('{id}')");
            }

            await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("owner " + s));
            scope.Clock.Advance(NodaTime.Duration.FromMinutes(1));
            await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(10.25m * (s + 1)), new Withdrawn(0.5m));
        }

        return scope;
    }

    private static async Task<(Guid Stream, long Position)> RowAsync(StoreScope scope, long version)
    {
        var stream = await scope.ScalarAsync<Guid>("SELECT stream_id FROM {schema}.target");
        var position = await scope.ScalarAsync<long>($"SELECT global_position FROM {{schema}}.events WHERE stream_id = '{stream}' AND stream_version = {version}");
        return (stream, position);
    }
}
