using Ledger.EventStore.Projections;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

public sealed class PoisonEventTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_poison_event_stops_only_its_projection_with_the_error_and_resume_after_a_fix_catches_up()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (poison, streams) = await AppendWithPoisonAsync(scope);
        var broken = new CountingProjection("broken", "broken") { Poison = poison.EventId };
        await using var daemon = new ProjectionDaemon(scope.Store, [broken, new CountingProjection("healthy", "healthy")], scope.Clock, ProjectionTesting.FastOptions());
        await daemon.StartAsync();
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        var failed = (await daemon.GetStatusAsync("broken"))!;
        Assert.Equal(ProjectionState.Failed, failed.State);
        Assert.Equal(poison.GlobalPosition, failed.FailedPosition);
        Assert.Equal(poison.EventId, failed.FailedEventId);
        Assert.Contains($"cannot project event {poison.EventId}", failed.LastError, StringComparison.Ordinal);
        Assert.True(failed.EventsBehind > 0);
        Assert.Equal(failed.EventsProcessed, (await ProjectionTesting.RowsAsync(scope, "broken")).Sum(r => r.Events));
        var healthy = (await daemon.GetStatusAsync("healthy"))!;
        Assert.Equal(ProjectionState.Running, healthy.State);
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), await ProjectionTesting.RowsAsync(scope, "healthy"));

        // Still failed after more appends: it never moves past the event.
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 50, 3);
        await Task.Delay(300);
        Assert.Equal(ProjectionState.Failed, (await daemon.GetStatusAsync("broken"))!.State);

        broken.Poison = null;
        await daemon.ResumeAsync("broken");
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        var resumed = (await daemon.GetStatusAsync("broken"))!;
        Assert.Equal(ProjectionState.Running, resumed.State);
        Assert.Null(resumed.LastError);
        Assert.Equal(await ProjectionTesting.ExpectedAsync(scope), await ProjectionTesting.RowsAsync(scope, "broken"));
        Assert.Empty(await daemon.ListSkipsAsync("broken"));
    }

    [Fact]
    public async Task Skip_moves_past_exactly_the_failed_event_and_records_it()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (poison, _) = await AppendWithPoisonAsync(scope);
        var projection = new TypeCountingProjection(poison.EventId);
        await using var daemon = new ProjectionDaemon(scope.Store, [projection], scope.Clock, ProjectionTesting.FastOptions());
        await daemon.StartAsync();
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ProjectionState.Failed, (await daemon.GetStatusAsync("by_type"))!.State);

        await daemon.SkipAsync("by_type", "payload cannot be read; reported to the sender");
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        var status = (await daemon.GetStatusAsync("by_type"))!;
        Assert.Equal(ProjectionState.Running, status.State);
        var total = await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.events");
        Assert.Equal(total - 1, await scope.ScalarAsync<decimal>("SELECT sum(events) FROM {schema}.by_type"));
        var skip = Assert.Single(await daemon.ListSkipsAsync("by_type"));
        Assert.Equal(poison.EventId, skip.EventId);
        Assert.Equal(poison.GlobalPosition, skip.At.Position);
        Assert.Equal("payload cannot be read; reported to the sender", skip.Reason);
        Assert.Contains("cannot project", skip.Error, StringComparison.Ordinal);

        // A rebuild passes over the skipped event too.
        await daemon.RebuildAsync("by_type").WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(total - 1, await scope.ScalarAsync<decimal>("SELECT sum(events) FROM {schema}.by_type"));
    }

    private static async Task<(AppendedEvent Poison, Guid[] Streams)> AppendWithPoisonAsync(StoreScope scope)
    {
        var streams = Enumerable.Range(0, 10).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 300, 1);
        var poison = (await scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Opened("poison"), new Deposited(1))).Events[0];
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 300, 2);
        return (poison, streams);
    }

    /// <summary>Counts events per stored type; throws on one event id.</summary>
    private sealed class TypeCountingProjection(Guid poison) : IProjection
    {
        public string Name => "by_type";

        public IReadOnlySet<string>? EventTypes => null;

        public IReadOnlyList<ProjectionTable> Tables { get; } =
            [new("by_type", "CREATE TABLE {table} (event_type text PRIMARY KEY, events bigint NOT NULL)")];

        public async Task ApplyAsync(ProjectionBatch batch, Npgsql.NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            if (batch.Events.Any(e => e.EventId == poison))
            {
                throw new InvalidOperationException("cannot project this payload");
            }

            var groups = batch.Events.GroupBy(e => e.EventType).ToList();
            await using var command = new Npgsql.NpgsqlCommand($"""
                INSERT INTO {batch.Table("by_type")} AS t (event_type, events) SELECT * FROM unnest(@t, @n)
                ON CONFLICT (event_type) DO UPDATE SET events = t.events + EXCLUDED.events
                """, transaction.Connection, transaction);
            command.Parameters.AddWithValue("t", groups.Select(g => g.Key).ToArray());
            command.Parameters.AddWithValue("n", groups.Select(g => (long)g.Count()).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
