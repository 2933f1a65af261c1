using Ledger.EventStore.Projections;
using Ledger.EventStore.Schema;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

public sealed class ProjectionDaemonTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Under_a_steady_stream_of_commits_the_minimum_batch_interval_gathers_appends_into_fewer_batches()
    {
        var interval = TimeSpan.FromMilliseconds(100);
        var (paced, pacedTime) = await BatchesForAsync(interval);
        var (eager, eagerTime) = await BatchesForAsync(TimeSpan.Zero);

        // Paced: at most one batch per interval (plus the first and a few around the waits).
        Assert.InRange(paced, 1, (int)(pacedTime / interval) + 5);

        // Not paced, the agent follows the commits (one every 10 ms or so): far more batches for the same appends.
        Assert.True(eager > 1.5 * ((eagerTime / interval) + 5), $"{eager} batches in {eagerTime.TotalMilliseconds:F0} ms");
    }

    private async Task<(int Batches, TimeSpan Elapsed)> BatchesForAsync(TimeSpan minimumBatchInterval)
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var projection = new CountingProjection();
        await using var daemon = new ProjectionDaemon(scope.Store, [projection], scope.Clock, ProjectionTesting.FastOptions() with { MinimumBatchInterval = minimumBatchInterval });
        await daemon.StartAsync();
        var stream = Guid.NewGuid();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        // 150 appends, one every 10 ms or so, each its own commit (each wakes the agent).
        for (var i = 0; i < 150; i++)
        {
            await scope.Store.AppendAsync(stream, "counter", ExpectedVersion.Any, [EventToAppend.New(new Counted(0, i))]);
            await Task.Delay(10);
        }

        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        var elapsed = watch.Elapsed;

        Assert.Equal((stream, 150L, 150L), Assert.Single(await ProjectionTesting.RowsAsync(scope, projection.TableName)));
        return (projection.Batches, elapsed);
    }

    [Fact]
    public async Task Concurrent_appends_and_late_commits_are_projected_exactly_once_in_stream_order()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var projection = new CountingProjection();
        await using var daemon = new ProjectionDaemon(scope.Store, [projection], scope.Clock, ProjectionTesting.FastOptions());
        await daemon.StartAsync();
        var streams = Enumerable.Range(0, 400).Select(_ => Guid.NewGuid()).ToArray();
        const int writers = 4;
        const int perWriter = 50_000;
        var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(() => ProjectionTesting.AppendManyAsync(scope.Store, streams, perWriter, w))).ToList();

        // Transactions held open for a second while the log moves on behind them.
        tasks.Add(Task.Run(async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                await using var connection = await scope.DataSource.OpenConnectionAsync();
                await using var transaction = await connection.BeginTransactionAsync();
                await scope.Store.AppendAsync(transaction, streams[i], "counter", ExpectedVersion.Any, [EventToAppend.New(new Counted(99, i)), EventToAppend.New(new Counted(99, i + 100))]);
                await Task.Delay(1_000);
                await transaction.CommitAsync();
                scope.Store.NotifyCommitted();
            }
        }));
        await Task.WhenAll(tasks);
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(90));

        var status = await daemon.GetStatusAsync("counts");
        Assert.NotNull(status);
        Assert.Equal(ProjectionState.Running, status.State);
        Assert.Null(status.LastError);
        Assert.Equal(0, status.EventsBehind);
        Assert.Equal((writers * perWriter) + 8, status.EventsProcessed);
        var rows = await ProjectionTesting.RowsAsync(scope, "counts");
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), rows);
        Assert.Equal((writers * perWriter) + 8, rows.Sum(r => r.Events));
    }

    [Fact]
    public async Task A_daemon_stopped_in_the_middle_of_a_batch_resumes_without_counting_twice()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 3_000, 1);
        var projection = new CountingProjection { BlockOnBatch = 3 };
        var options = ProjectionTesting.FastOptions() with { BatchSize = 500 };
        var first = new ProjectionDaemon(scope.Store, [projection], scope.Clock, options);
        await first.StartAsync();
        await projection.Blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await first.DisposeAsync(); // the blocked batch's rows are written but never committed
        await using var probe = new ProjectionDaemon(scope.Store, [], scope.Clock);
        var stoppedAt = (await probe.GetStatusAsync("counts"))!;
        Assert.Equal(1_000, stoppedAt.EventsProcessed); // two batches committed, the third rolled back

        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 1_000, 2);
        var fresh = new CountingProjection("counts_fresh", "counts_fresh");
        await using var second = new ProjectionDaemon(scope.Store, [new CountingProjection(), fresh], scope.Clock, options);
        await second.StartAsync();
        await second.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        var rows = await ProjectionTesting.RowsAsync(scope, "counts");
        Assert.Equal(await ProjectionTesting.RowsAsync(scope, "counts_fresh"), rows);
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), rows);
        Assert.Equal(4_000, (await second.GetStatusAsync("counts"))!.EventsProcessed);
    }

    [Fact]
    public async Task One_node_leads_each_projection_and_another_takes_over_when_its_lock_connection_dies()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        await using var otherSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var otherStore = new EventStore(otherSource, TestRegistry.Create(), scope.Clock, scope.Store.Options);
        var streams = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 500, 1);
        await using var a = new ProjectionDaemon(scope.Store, [new CountingProjection("one", "one"), new CountingProjection("two", "two")], scope.Clock, ProjectionTesting.FastOptions("a"));
        await using var b = new ProjectionDaemon(otherStore, [new CountingProjection("one", "one"), new CountingProjection("two", "two")], scope.Clock, ProjectionTesting.FastOptions("b"));
        await a.StartAsync();
        await b.StartAsync();
        await a.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        await Task.Delay(300); // both have tried for the locks several times

        foreach (var name in new[] { "one", "two" })
        {
            Assert.True(a.IsLeading(name) ^ b.IsLeading(name), $"exactly one leader for {name}");
        }

        var leaderOfOne = a.IsLeading("one") ? a : b;
        var follower = ReferenceEquals(leaderOfOne, a) ? b : a;
        await using (var kill = scope.DataSource.CreateCommand("""
            SELECT pg_terminate_backend(pid) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid::bigint = @hi AND objid::bigint = @lo AND objsubid = 1
            """))
        {
            var key = LockKeys.Named(scope.Schema, "projection:one");
            kill.Parameters.AddWithValue("hi", unchecked((long)(uint)(key >> 32)));
            kill.Parameters.AddWithValue("lo", unchecked((long)(uint)key));
            Assert.Equal(true, await kill.ExecuteScalarAsync());
        }

        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 500, 2);
        await WaitUntilAsync(() => follower.IsLeading("one"));
        await follower.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.False(leaderOfOne.IsLeading("one"));
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), await ProjectionTesting.RowsAsync(scope, "one"));
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), await ProjectionTesting.RowsAsync(scope, "two"));
        var status = (await follower.GetStatusAsync("one"))!;
        Assert.Equal(1_000, status.EventsProcessed);
        Assert.Equal(follower == a ? "a" : "b", status.Leader);
    }

    [Fact]
    public async Task A_rebuild_during_appends_swaps_in_a_complete_table_and_readers_never_see_it_half_built()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var streams = Enumerable.Range(0, 50).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 5_000, 1);
        await using var daemon = new ProjectionDaemon(scope.Store, [new CountingProjection()], scope.Clock, ProjectionTesting.FastOptions() with { BatchSize = 200 });
        await daemon.StartAsync();
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        using var stop = new CancellationTokenSource();
        var decreases = 0;
        var reads = 0;
        var reader = Task.Run(async () =>
        {
            long last = 0;
            while (!stop.IsCancellationRequested)
            {
                var sum = await scope.ScalarAsync<decimal>("SELECT COALESCE(sum(events), 0) FROM {schema}.counts");
                if (sum < last)
                {
                    decreases++;
                }

                last = (long)sum;
                reads++;
            }
        });
        var writer = Task.Run(() => ProjectionTesting.AppendManyAsync(scope.Store, streams, 4_000, 2));
        await daemon.RebuildAsync("counts").WaitAsync(TimeSpan.FromSeconds(60));
        await writer;
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await reader;

        Assert.Equal(0, decreases);
        Assert.True(reads > 10, $"{reads} reads");
        var status = (await daemon.GetStatusAsync("counts"))!;
        Assert.Equal(ProjectionState.Running, status.State);
        Assert.Null(status.RebuildCheckpoint);
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), await ProjectionTesting.RowsAsync(scope, "counts"));
        Assert.Equal(0, await scope.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}' AND tablename LIKE 'counts\\_\\_%'"));
        Assert.Equal(1, await scope.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname = 'counts_pkey'"));
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting");
            await Task.Delay(20);
        }
    }
}
