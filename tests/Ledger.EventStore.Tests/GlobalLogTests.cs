using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class GlobalLogTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Eight_writers_on_four_hot_streams_keep_each_stream_in_version_order_in_the_global_log()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var streams = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid()).ToArray();
        const int writers = 8;
        const int eventsPerWriter = 2_600;
        var writerTasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var written = 0;
            var sequence = 0;
            while (written < eventsPerWriter)
            {
                var count = Math.Min(random.Next(1, 4), eventsPerWriter - written);
                var events = Enumerable.Range(0, count).Select(_ => EventToAppend.New(new Counted(w, sequence++))).ToList();
                await scope.Store.AppendAsync(streams[random.Next(streams.Length)], "counter", ExpectedVersion.Any, events);
                written += count;
            }
        }));
        await Task.WhenAll(writerTasks);

        var all = await ReadEverythingAsync(scope.Store);

        Assert.True(all.Count >= 20_000, $"{all.Count} events");
        Assert.Equal(writers * eventsPerWriter, all.Count);
        var lastVersion = new Dictionary<Guid, long>();
        var outOfOrder = 0;
        foreach (var e in all)
        {
            if (lastVersion.TryGetValue(e.StreamId, out var last) && e.StreamVersion != last + 1)
            {
                outOfOrder++;
            }

            lastVersion[e.StreamId] = e.StreamVersion;
        }

        Assert.Equal(0, outOfOrder);
        var verified = await new Verification.StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync();
        Assert.True(verified.IsClean, string.Join("\n", verified.Issues.Take(5)));
    }

    [Fact]
    public async Task A_reader_never_skips_a_transaction_that_commits_late_and_never_returns_an_event_twice()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var lateStream = Guid.NewGuid();
        var seen = new List<RecordedEvent>();
        var checkpoint = GlobalCheckpoint.Start;
        using var stop = new CancellationTokenSource();

        // The reader starts before the late transaction commits and reads all the time.
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var batch = await scope.Store.ReadAllAsync(checkpoint, 50);
                lock (seen)
                {
                    seen.AddRange(batch.Events);
                }

                checkpoint = batch.Checkpoint;
                if (batch.Events.Count == 0)
                {
                    await Task.Delay(5);
                }
            }
        });

        await scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Opened("before"));
        await using var connection = await scope.DataSource.OpenConnectionAsync();
        await using var late = await connection.BeginTransactionAsync();
        var lateAppend = await scope.Store.AppendAsync(late, lateStream, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("late")), EventToAppend.New(new Deposited(1))]);

        var others = new List<AppendResult>();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(2);
        while (DateTimeOffset.UtcNow < deadline)
        {
            others.Add(await scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Opened("other")));
        }

        bool lateSeenBeforeCommit;
        lock (seen)
        {
            lateSeenBeforeCommit = seen.Any(e => e.StreamId == lateStream);
        }

        await late.CommitAsync();
        var lastOther = others[^1].LastPosition;
        var waited = DateTimeOffset.UtcNow.AddSeconds(20);
        while (DateTimeOffset.UtcNow < waited)
        {
            lock (seen)
            {
                if (seen.Any(e => e.GlobalPosition == lastOther) && seen.Any(e => e.StreamId == lateStream))
                {
                    break;
                }
            }

            await Task.Delay(10);
        }

        await stop.CancelAsync();
        await reader;
        var everything = await ReadEverythingAsync(scope.Store);

        Assert.True(others.Count > 10, $"only {others.Count} other appends committed meanwhile");
        Assert.False(lateSeenBeforeCommit);
        Assert.Equal(everything.Select(e => e.GlobalPosition).Order(), seen.Select(e => e.GlobalPosition).Order());
        Assert.Equal(seen.Count, seen.Select(e => e.EventId).Distinct().Count());
        Assert.Equal(lateAppend.Events.Select(e => e.GlobalPosition), seen.Where(e => e.StreamId == lateStream).Select(e => e.GlobalPosition));

        // The late events were delivered before the later-started transactions' events, in transaction order.
        var lateIndex = seen.FindIndex(e => e.StreamId == lateStream);
        var firstOtherIndex = seen.FindIndex(e => e.GlobalPosition == others[0].FirstPosition);
        Assert.True(lateIndex < firstOtherIndex);
    }

    [Fact]
    public async Task Reading_in_small_batches_returns_every_event_once_in_transaction_order()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        for (var i = 0; i < 25; i++)
        {
            await scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Opened("x"), new Deposited(i));
        }

        var all = await ReadEverythingAsync(scope.Store, batchSize: 7);

        Assert.Equal(50, all.Count);
        Assert.Equal(all.OrderBy(e => e.TransactionId).ThenBy(e => e.GlobalPosition).Select(e => e.GlobalPosition), all.Select(e => e.GlobalPosition));
        var empty = await scope.Store.ReadAllAsync(GlobalCheckpoint.Of(all[^1]), 10);
        Assert.Empty(empty.Events);
        Assert.Equal(GlobalCheckpoint.Of(all[^1]), empty.Checkpoint);
    }

    /// <summary>
    /// Reads the whole log. An empty batch can mean "wait": a transaction somewhere in the cluster (autovacuum's
    /// ANALYZE, another test) holds the safe window back. So it reads until it has as many events as the table.
    /// </summary>
    internal static async Task<List<RecordedEvent>> ReadEverythingAsync(EventStore store, int batchSize = 1_000)
    {
        await using var count = store.DataSource.CreateCommand($"SELECT count(*) FROM {store.Options.Schema}.events");
        var expected = (long)(await count.ExecuteScalarAsync())!;
        var all = new List<RecordedEvent>();
        var checkpoint = GlobalCheckpoint.Start;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (all.Count < expected && DateTimeOffset.UtcNow < deadline)
        {
            var batch = await store.ReadAllAsync(checkpoint, batchSize);
            if (batch.Events.Count == 0)
            {
                await Task.Delay(20);
                continue;
            }

            all.AddRange(batch.Events);
            checkpoint = batch.Checkpoint;
        }

        var extra = await store.ReadAllAsync(checkpoint, batchSize);
        all.AddRange(extra.Events);
        return all;
    }
}
