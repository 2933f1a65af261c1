using JasperFx.Events.Daemon;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

/// <summary>
/// The ledger's projections on Marten's async daemon (run here by Marten alone; in the app Wolverine assigns each
/// projection to a node): exactly once in order, rebuilds beside the live table, failed events set aside.
/// </summary>
public sealed class ProjectionOperationsTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private sealed record Node(NpgsqlDataSource DataSource, EventStore Store, ProjectionOperations Operations) : IAsyncDisposable
    {
        private IProjectionDaemon? daemon;

        /// <summary>Starts Marten's daemon for every projection of the store.</summary>
        public async Task StartDaemonAsync()
        {
            daemon = await Store.Documents.BuildProjectionDaemonAsync();
            await daemon.StartAllAsync();
        }

        public async ValueTask DisposeAsync()
        {
            if (daemon is not null)
            {
                await daemon.StopAllAsync();
                daemon.Dispose();
            }

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
        return new Node(dataSource, store, new ProjectionOperations(store, projections));
    }

    private static string NewSchema() => "d" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task Concurrent_appends_are_projected_exactly_once_in_stream_order_through_Marten()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        await node.StartDaemonAsync();
        var streams = Enumerable.Range(0, 30).Select(_ => Guid.NewGuid()).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 6).Select(w => Task.Run(() => ProjectionTesting.AppendManyAsync(node.Store, streams, 1_000, w))));
        await node.Operations.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(await ProjectionTesting.ExpectedAsync(node.DataSource, schema), await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
        var status = Assert.Single(await node.Operations.GetStatusAsync());
        Assert.Equal(0L, status.EventsBehind);

        // Marten's daemon runs it here, outside Wolverine: no node assignment names a node that runs it.
        Assert.Equal((ProjectionState.Stopped, null), (status.State, status.Leader));
    }

    [Fact]
    public async Task A_rebuild_during_appends_swaps_in_a_complete_table_and_readers_never_see_it_half_built()
    {
        var schema = NewSchema();
        var projection = new CountingProjection();
        await using var node = await NodeAsync(schema, projection);
        await node.StartDaemonAsync();
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(node.Store, streams, 3_000, 1);
        await node.Operations.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));
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
        await node.Operations.RebuildAsync("counts");
        await writer;
        await node.Operations.WaitForCatchUpAsync(TimeSpan.FromSeconds(60));
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
        await node.StartDaemonAsync();
        await node.Operations.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        var failed = (await node.Operations.GetStatusAsync("counts"))!;
        Assert.Equal(ProjectionState.Failed, failed.State);
        Assert.Equal(2L, failed.FailedPosition);
        Assert.Contains("event #2", failed.LastError, StringComparison.Ordinal);
        Assert.Equal(ProjectionState.Stopped, (await node.Operations.GetStatusAsync("others"))!.State);
        Assert.Equal(3L, (await ProjectionTesting.RowsAsync(node.DataSource, schema, "others")).Single().Events);

        await node.Operations.SkipAsync("counts", "a malformed test event");

        Assert.Equal(ProjectionState.Stopped, (await node.Operations.GetStatusAsync("counts"))!.State);
        await using var skips = node.DataSource.CreateCommand($"SELECT sequence || ' ' || reason FROM {schema}.projection_skips WHERE projection = 'counts'");
        Assert.Equal("2 a malformed test event", await skips.ExecuteScalarAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.Operations.SkipAsync("counts", "again"));
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
        await node.StartDaemonAsync();
        await node.Store.AppendAsync(stream, "counter", ExpectedVersion.NoStream, [EventToAppend.New(new Counted(1, 1)), bad]);
        await node.Operations.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ProjectionState.Failed, (await node.Operations.GetStatusAsync("counts"))!.State);

        projection.Poison = null;
        await node.Operations.ResumeAsync("counts");

        Assert.Equal(ProjectionState.Stopped, (await node.Operations.GetStatusAsync("counts"))!.State);
        Assert.Equal([(stream, 2L, 2L)], await ProjectionTesting.RowsAsync(node.DataSource, schema, "counts"));
    }
}
