using Ledger.EventStore.Projections;
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

/// <summary>The ledger's projections on Marten's async daemon: leadership, rebuilds beside the live table, failed events.</summary>
public sealed class ProjectionDaemonTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private sealed record Node(NpgsqlDataSource DataSource, EventStore Store, ProjectionDaemon Daemon) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Daemon.DisposeAsync();
            await Store.DisposeAsync();
            await DataSource.DisposeAsync();
        }
    }

    private async Task<Node> NodeAsync(string schema, params IProjection[] projections)
    {
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = new EventStore(dataSource, ProtectedStore.Registry(), FakeClock.At(2026, 1, 10), new EventStoreOptions { Schema = schema }, null,
            marten => marten.Projections.FastPollingTime = TimeSpan.FromMilliseconds(50), projections);
        await store.MigrateAsync();
        await store.EnsureTablesAsync(projections);
        return new Node(dataSource, store, new ProjectionDaemon(store, projections, ProjectionTesting.FastOptions()));
    }

    private static string NewSchema() => "d" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Concurrent_appends_are_projected_exactly_once_in_stream_order_through_Marten()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        await node.Daemon.StartAsync();
        var streams = Enumerable.Range(0, 30).Select(_ => Guid.NewGuid()).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(() => ProjectionTesting.AppendManyAsync(node.Store, streams, 1_000, w))));
        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(await ProjectionTesting.ExpectedAsync(node.DataSource, schema), await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
        var status = Assert.Single(await node.Daemon.GetStatusAsync());
        Assert.Equal((ProjectionState.Running, 0L), (status.State, status.EventsBehind));
        Assert.NotNull(status.Leader);
    }

    [Fact]
    public async Task One_node_leads_and_another_takes_over_when_its_lock_connection_dies()
    {
        var schema = NewSchema();
        await using var first = await NodeAsync(schema, new CountingProjection());
        await using var second = await NodeAsync(schema, new CountingProjection());
        await first.Daemon.StartAsync();
        await WaitUntilAsync(() => first.Daemon.IsLeading);
        await second.Daemon.StartAsync();
        var streams = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(first.Store, streams, 200, 1);
        await first.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.False(second.Daemon.IsLeading);

        // The leader's lock connection dies (a network cut, a killed backend): the other node takes over.
        await using (var kill = first.DataSource.CreateCommand("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
        {
            await kill.ExecuteNonQueryAsync();
        }

        await WaitUntilAsync(() => second.Daemon.IsLeading);
        await ProjectionTesting.AppendManyAsync(second.Store, streams, 200, 2);
        await second.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(await ProjectionTesting.ExpectedAsync(first.DataSource, schema), await ProjectionTesting.RowsAsync(first.DataSource, schema, "counts"));
    }

    [Fact]
    public async Task A_shard_paused_by_a_failing_write_is_restarted_and_catches_up_once_the_fault_is_mended()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        var stream = Guid.NewGuid();

        // A row already in the table makes the batch's write fail in the database (no one event is at fault).
        await using (var block = node.DataSource.CreateCommand($"INSERT INTO {schema}.counts (stream_id, version, position) VALUES (@s, 1, 0)"))
        {
            block.Parameters.AddWithValue("s", stream);
            await block.ExecuteNonQueryAsync();
        }

        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.NoStream, [EventToAppend.New(new Counted(1, 1)), EventToAppend.New(new Counted(1, 2))]);
        await node.Daemon.StartAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0L, (await node.Daemon.GetStatusAsync("counts"))!.Position);

        await using (var mend = node.DataSource.CreateCommand($"DELETE FROM {schema}.counts"))
        {
            await mend.ExecuteNonQueryAsync();
        }

        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([(stream, 2L, 2L)], await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
        Assert.Equal(ProjectionState.Running, (await node.Daemon.GetStatusAsync("counts"))!.State);
    }

    [Fact]
    public async Task A_rebuild_during_appends_swaps_in_a_complete_table_and_readers_never_see_it_half_built()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        await node.Daemon.StartAsync();
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(node.Store, streams, 3_000, 1);
        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));
        var before = (await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts")).Sum(r => r.Events);

        using var stop = new CancellationTokenSource();
        var smallest = long.MaxValue;
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await using var count = node.DataSource.CreateCommand($"SELECT count(*) FROM {schema}.counts");
                smallest = Math.Min(smallest, (long)(await count.ExecuteScalarAsync())!);
            }
        });
        var writer = Task.Run(() => ProjectionTesting.AppendManyAsync(node.Store, streams, 1_000, 2));
        await node.Daemon.RebuildAsync("counts");
        await writer;
        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await reader;

        Assert.True(smallest >= before, $"a reader saw {smallest} rows, fewer than the {before} before the rebuild");
        Assert.Equal(await ProjectionTesting.ExpectedAsync(node.DataSource, schema), await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
    }

    [Fact]
    public async Task A_failing_event_is_set_aside_shown_as_failed_and_a_skip_with_a_reason_acknowledges_it()
    {
        var schema = NewSchema();
        var poisoned = new CountingProjection();
        var healthy = new CountingProjection("others", "others");
        await using var node = await NodeAsync(schema, poisoned, healthy);
        var stream = Guid.NewGuid();
        var bad = EventToAppend.New(new Counted(1, 2));
        poisoned.Poison = bad.EventId;

        // Appended before the daemon starts, the three events reach the projections in one batch.
        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.NoStream, [EventToAppend.New(new Counted(1, 1))]);
        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.Exactly(1), [bad]);
        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.Exactly(2), [EventToAppend.New(new Counted(1, 3))]);
        await node.Daemon.StartAsync();
        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        var failed = (await node.Daemon.GetStatusAsync("counts"))!;
        Assert.Equal(ProjectionState.Failed, failed.State);
        Assert.Equal(2L, failed.FailedPosition);
        Assert.Contains("event #2", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(ProjectionState.Running, (await node.Daemon.GetStatusAsync("others"))!.State);
        Assert.Equal(3L, (await ProjectionTesting.RowsAsync(node.DataSource, schema, "others")).Single().Events);

        await node.Daemon.SkipAsync("counts", "a malformed test event");

        Assert.Equal(ProjectionState.Running, (await node.Daemon.GetStatusAsync("counts"))!.State);
        await using var skips = node.DataSource.CreateCommand($"SELECT sequence || ' ' || reason FROM {schema}.projection_skips WHERE projection = 'counts'");
        Assert.Equal("2 a malformed test event", await skips.ExecuteScalarAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Daemon.SkipAsync("counts", "again"));
    }

    [Fact]
    public async Task Resume_after_a_fix_rebuilds_the_projection_with_the_event_that_failed()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        var stream = Guid.NewGuid();
        var bad = EventToAppend.New(new Counted(1, 2));
        projection.Poison = bad.EventId;
        await node.Daemon.StartAsync();
        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.NoStream, [EventToAppend.New(new Counted(1, 1)), bad]);
        await node.Daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ProjectionState.Failed, (await node.Daemon.GetStatusAsync("counts"))!.State);

        projection.Poison = null;
        await node.Daemon.ResumeAsync("counts");

        Assert.Equal(ProjectionState.Running, (await node.Daemon.GetStatusAsync("counts"))!.State);
        Assert.Equal([(stream, 2L, 2L)], await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "timed out");
            await Task.Delay(50);
        }
    }
}
