using System.Collections.Concurrent;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Ledger.Testing;
using Marten;
using Marten.Events;
using Marten.Subscriptions;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.EventStore.Tests.MartenStore;

/// <summary>
/// The guarantee the ledger rests on: with Marten's Quick append mode, every committed event reaches every async
/// projection and every subscription exactly once, in per-stream order, however late its transaction commits.
/// Eight writers append 200,000 events while late commits are held past the daemon's stale threshold in every known
/// way: inside the write transaction, in an external transaction, a client stalled after reserving sequence numbers
/// (in its transaction and in autocommit), and appends rolled back.
/// </summary>
public sealed class GapSafetyTests(PostgresDatabase database, ITestOutputHelper output) : IClassFixture<PostgresDatabase>
{
    private const int Writers = 8;
    private const int EventsPerAppend = 25;
    private const int AppendsPerWriter = 1000;
    private static readonly TimeSpan Stale = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Held = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Every_committed_event_reaches_every_async_projection_and_subscription_exactly_once_in_stream_order_despite_late_commits()
    {
        var subscription = new RecordingSubscription();
        string? schema = null;
        await using var scope = await MartenScope.CreateAsync(database, options =>
        {
            schema = options.Events.DatabaseSchemaName;
            options.Projections.StaleSequenceThreshold = Stale;
            options.Projections.Add(new RecordingProjection(schema), ProjectionLifecycle.Async, "gap_recorder");
            options.Events.Subscribe(subscription);
        }, builder => { builder.ConnectionStringBuilder.MaxPoolSize = 40; return builder; });
        await scope.ExecuteAsync("CREATE TABLE {schema}.gap_recorded (applied bigserial PRIMARY KEY, seq bigint NOT NULL, stream uuid NOT NULL, version bigint NOT NULL)");
        using var daemon = await scope.Store.Documents.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();

        using var done = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(scope, w))).ToList();
        var late = Task.Run(() => HoldLateCommitsAsync(scope, done.Token));
        await Task.WhenAll(writers);
        await done.CancelAsync();
        var lateCommitted = await late;

        var committed = await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events");
        Assert.Equal((long)Writers * AppendsPerWriter * EventsPerAppend + lateCommitted, committed);
        Assert.True(committed >= 200_000, $"only {committed} events");
        await scope.Store.Documents.WaitForNonStaleProjectionDataAsync(TimeSpan.FromMinutes(3));
        await WaitAsync(() => subscription.Count >= committed, TimeSpan.FromMinutes(1));

        Assert.Equal(committed, await scope.ScalarAsync<long>("SELECT count(DISTINCT seq) FROM {schema}.gap_recorded"));
        Assert.Equal(committed, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.gap_recorded"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events e WHERE NOT EXISTS (SELECT 1 FROM {schema}.gap_recorded r WHERE r.seq = e.seq_id)"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("""
            SELECT count(*) FROM (SELECT version, lag(version) OVER (PARTITION BY stream ORDER BY applied) AS previous FROM {schema}.gap_recorded) x
            WHERE previous IS NOT NULL AND version <> previous + 1
            """));
        Assert.Equal(committed, subscription.Count);
        Assert.Empty(subscription.Duplicates);
        Assert.Empty(subscription.OutOfOrder);

        // Marten records a skip for sequence numbers that can never commit (rolled back, reserved and abandoned).
        // None of them may hide an event: every committed event was projected (above), and no skipped range
        // holds an event that was committed after the skip.
        var skips = await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_high_water_skips");
        output.WriteLine($"{committed} events committed ({lateCommitted} late), {skips} dead ranges skipped by Marten");
    }

    private static async Task WriteAsync(MartenScope scope, int writer)
    {
        var streams = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToArray();
        var versions = new long[streams.Length];
        for (var i = 0; i < AppendsPerWriter; i++)
        {
            var s = i % streams.Length;
            var events = Enumerable.Range(0, EventsPerAppend).Select(k => EventToAppend.New(new Counted(writer, (i * EventsPerAppend) + k))).ToList();
            var expected = versions[s] == 0 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(versions[s]);
            versions[s] = (await scope.Store.AppendAsync(streams[s], "load", expected, events)).NextExpectedVersion;
        }
    }

    /// <summary>Holds late commits in every known way until cancelled; returns how many events they committed.</summary>
    private static async Task<long> HoldLateCommitsAsync(MartenScope scope, CancellationToken stop)
    {
        long committed = 0;
        var round = 0;
        while (!stop.IsCancellationRequested || round < 5)
        {
            var stream = Guid.NewGuid();
            var events = new[] { EventToAppend.New(new Counted(-1, round)), EventToAppend.New(new Counted(-1, round)) };
            switch (round % 5)
            {
                case 0: // inside the write transaction: a slow statement after the events, before commit
                    await scope.Store.AppendAsync(stream, "late", ExpectedVersion.NoStream, events, new AppendOptions { Writes = [SqlWrite.Of($"SELECT pg_sleep({Held.TotalSeconds})")] }, CancellationToken.None);
                    committed += events.Length;
                    break;
                case 1: // an external transaction the caller holds open after the append
                    committed += await InTransactionAsync(scope, async tx =>
                    {
                        await scope.Store.AppendAsync(tx, stream, "late", ExpectedVersion.NoStream, events);
                        await Task.Delay(Held, CancellationToken.None);
                        return true;
                    }) ? events.Length : 0;
                    break;
                case 2: // a client that reserved sequence numbers in its transaction and stalls before writing
                    committed += await InTransactionAsync(scope, async tx =>
                    {
                        await using (var reserve = new NpgsqlCommand($"SELECT nextval('{scope.Schema}.mt_events_sequence')", tx.Connection, tx))
                        {
                            await reserve.ExecuteScalarAsync();
                        }

                        await Task.Delay(Held, CancellationToken.None);
                        await scope.Store.AppendAsync(tx, stream, "late", ExpectedVersion.NoStream, events);
                        return true;
                    }) ? events.Length : 0;
                    break;
                case 3: // a client that reserved in autocommit, then stalls, then appends
                    await scope.ScalarAsync<long>("SELECT nextval('{schema}.mt_events_sequence')");
                    await Task.Delay(Held, CancellationToken.None);
                    await scope.Store.AppendAsync(stream, "late", ExpectedVersion.NoStream, events);
                    committed += events.Length;
                    break;
                default: // an append held open, then rolled back
                    await InTransactionAsync(scope, async tx =>
                    {
                        await scope.Store.AppendAsync(tx, stream, "late", ExpectedVersion.NoStream, events);
                        await Task.Delay(Held, CancellationToken.None);
                        return false;
                    });
                    break;
            }

            round++;
        }

        return committed;
    }

    private static async Task<bool> InTransactionAsync(MartenScope scope, Func<NpgsqlTransaction, Task<bool>> work)
    {
        await using var connection = await scope.DataSource.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        if (await work(tx))
        {
            await tx.CommitAsync();
            return true;
        }

        await tx.RollbackAsync();
        return false;
    }

    private static async Task WaitAsync(Func<bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < until)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>An async projection that writes a row per event, in the daemon's transaction (one statement a batch).</summary>
    private sealed class RecordingProjection(string schema) : Marten.Events.Projections.IProjection
    {
        public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
        {
            operations.QueueSqlCommand(
                $"INSERT INTO {schema}.gap_recorded (seq, stream, version) SELECT s, t, v FROM unnest(?, ?, ?) WITH ORDINALITY AS u(s, t, v, n) ORDER BY n",
                events.Select(e => e.Sequence).ToArray(),
                events.Select(e => e.StreamId).ToArray(),
                events.Select(e => e.Version).ToArray());
            return Task.CompletedTask;
        }
    }

    /// <summary>A subscription that notes each event it is handed, with duplicates and per-stream order breaks.</summary>
    private sealed class RecordingSubscription : SubscriptionBase
    {
        private readonly ConcurrentDictionary<long, byte> seen = new();
        private readonly ConcurrentDictionary<Guid, long> lastVersion = new();

        public RecordingSubscription()
        {
            Name = "gap_subscription";
        }

        public long Count => seen.Count;

        public ConcurrentBag<long> Duplicates { get; } = [];

        public ConcurrentBag<long> OutOfOrder { get; } = [];

        public override Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations, CancellationToken cancellationToken)
        {
            foreach (var e in page.Events)
            {
                if (!seen.TryAdd(e.Sequence, 0))
                {
                    Duplicates.Add(e.Sequence);
                }

                var previous = lastVersion.GetValueOrDefault(e.StreamId);
                if (e.Version != previous + 1)
                {
                    OutOfOrder.Add(e.Sequence);
                }

                lastVersion[e.StreamId] = e.Version;
            }

            return Task.FromResult(NullChangeListener.Instance);
        }
    }
}
