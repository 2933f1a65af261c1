using System.Collections.Concurrent;
using Ledger.EventStore.Projections;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

public sealed class SharedDecodingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Projections_of_one_daemon_reading_the_same_events_share_one_deserialized_payload()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var streams = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        await ProjectionTesting.AppendManyAsync(scope.Store, streams, 40, 7);
        var total = (await GlobalLogTests.ReadEverythingAsync(scope.Store)).Count;
        var first = new CapturingProjection("first", null, total);
        var second = new CapturingProjection("second", first.Done, total);
        await using var daemon = new ProjectionDaemon(scope.Store, [first, second], scope.Clock, ProjectionTesting.FastOptions());

        await daemon.StartAsync();
        await daemon.WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(total, first.Seen.Count);
        Assert.Equal(total, second.Seen.Count);
        foreach (var (eventId, payload) in first.Seen)
        {
            Assert.Same(payload, second.Seen[eventId]);
        }

        // A direct read deserializes afresh: only the daemon's projections share.
        var direct = await GlobalLogTests.ReadEverythingAsync(scope.Store);
        Assert.NotSame(first.Seen[direct[0].EventId], scope.Store.Deserialize(direct[0]));
        Assert.Equal(first.Seen[direct[0].EventId], scope.Store.Deserialize(direct[0]));
    }

    /// <summary>
    /// Records every payload it deserializes. With <c>after</c>, it waits for the other projection to have seen
    /// all <c>expected</c> events first, so that the cache is filled when it reads.
    /// </summary>
    private sealed class CapturingProjection(string name, TaskCompletionSource? after, int expected) : IProjection
    {
        public ConcurrentDictionary<Guid, object> Seen { get; } = new();

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => name;

        public IReadOnlySet<string>? EventTypes => null;

        public IReadOnlyList<ProjectionTable> Tables { get; } = [];

        public async Task ApplyAsync(ProjectionBatch batch, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            if (after is not null)
            {
                await after.Task.WaitAsync(cancellationToken);
            }

            foreach (var recorded in batch.Events)
            {
                Seen[recorded.EventId] = batch.Deserialize(recorded);
            }

            if (Seen.Count == expected)
            {
                Done.TrySetResult();
            }
        }
    }
}
