using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Serialization;
using Ledger.Testing;
using NodaTime;
using Npgsql;

namespace Ledger.Benchmarks;

/// <summary>Projection catch-up and append-to-projected latency, on a durable throwaway cluster.</summary>
public static class ProjectionBenchmarks
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var events = Argument(args, "--events", 1_000_000);
        var seconds = Argument(args, "--seconds", 20);
        var rate = Argument(args, "--rate", 500);

        await using var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(Durable: true));
        var connectionString = await cluster.CreateDatabaseAsync("bench");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var clock = SystemClock.Instance;
        Console.WriteLine($"durable cluster; {Environment.ProcessorCount} cores");

        await CatchUpAsync(dataSource, clock, events);
        await LatencyAsync(dataSource, clock, seconds, rate);
        return 0;
    }

    private static async Task CatchUpAsync(NpgsqlDataSource dataSource, IClock clock, int count)
    {
        var projection = new StreamSummaryProjection();
        var nothing = new WritesNothingProjection();
        await using var store = new EventStore.EventStore(dataSource, Registry(), clock, new EventStoreOptions { Schema = "bench_catchup" }, asyncProjections: [nothing, projection]);
        await store.MigrateAsync();
        await store.EnsureTablesAsync([projection]);
        var streams = Enumerable.Range(0, 10_000).Select(_ => Guid.NewGuid()).ToArray();
        var timer = Stopwatch.StartNew();
        const int writers = 4;
        const int perAppend = 100;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            int chunk;
            while ((chunk = Interlocked.Increment(ref next)) * perAppend < count)
            {
                var n = Math.Min(perAppend, count - (chunk * perAppend));
                var batch = Enumerable.Range(0, n).Select(i => EventToAppend.New(new Ticked(chunk, i, 12.5m))).ToList();
                await store.AppendAsync(streams[random.Next(streams.Length)], "bench", ExpectedVersion.Any, batch);
            }
        })));
        Console.WriteLine($"inserted {count:N0} events in appends of {perAppend}: {Rate(count, timer.Elapsed)} events/s");

        var operations = new ProjectionOperations(store, [nothing, projection]);
        using var daemon = await store.Documents.BuildProjectionDaemonAsync();

        // First a projection that deserializes every event and writes nothing: what Marten's daemon and the ledger's
        // adapter cost before any read-model write.
        timer.Restart();
        await daemon.StartAgentAsync("writes_nothing:All", CancellationToken.None);
        while ((await operations.GetStatusAsync("writes_nothing"))!.EventsBehind > 0)
        {
            await Task.Delay(10);
        }

        var loading = timer.Elapsed;
        Console.WriteLine($"(a0) catch-up, a projection that reads every event and writes nothing: {count:N0} events in {loading.TotalSeconds:F1} s = {Rate(count, loading)} events/s");

        timer.Restart();
        await daemon.StartAgentAsync("stream_summary:All", CancellationToken.None);
        await operations.WaitForCatchUpAsync(TimeSpan.FromMinutes(10));
        var elapsed = timer.Elapsed;
        await daemon.StopAllAsync();
        Console.WriteLine($"(a) catch-up, one row per stream upserted per event: {count:N0} events in {elapsed.TotalSeconds:F1} s = {Rate(count, elapsed)} events/s");

        // Raw PostgreSQL: read the same log in the same order and upsert the same rows, no engine in between.
        await using (var create = dataSource.CreateCommand("CREATE TABLE bench_catchup.baseline (stream_id uuid PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL, total numeric NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        timer.Restart();
        long position = 0;
        while (true)
        {
            var rows = new List<(Guid Stream, long Version, decimal Amount)>();
            await using (var read = dataSource.CreateCommand("SELECT stream_id, version, (convert_from(substring(bdata FROM 2), 'UTF8')::jsonb ->> 'amount')::numeric, seq_id FROM bench_catchup.mt_events WHERE seq_id > @p ORDER BY seq_id LIMIT 2000"))
            {
                read.Parameters.AddWithValue("p", position);
                await using var reader = await read.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetDecimal(2)));
                    position = reader.GetInt64(3);
                }
            }

            if (rows.Count == 0)
            {
                break;
            }

            await StreamSummaryProjection.UpsertAsync(dataSource, null, "bench_catchup.baseline", rows);
        }

        var baseline = timer.Elapsed;
        Console.WriteLine($"    raw PostgreSQL baseline (SELECT + INSERT ... ON CONFLICT DO UPDATE per 2,000): {Rate(count, baseline)} events/s");
    }

    private static async Task LatencyAsync(NpgsqlDataSource dataSource, IClock clock, int seconds, int rate)
    {
        var projection = new LatencyProjection();
        await using var store = new EventStore.EventStore(dataSource, Registry(), clock, new EventStoreOptions { Schema = "bench_latency" }, asyncProjections: [projection]);
        await store.MigrateAsync();
        var committed = new ConcurrentDictionary<Guid, long>();
        var operations = new ProjectionOperations(store, [projection]);
        using var daemon = await store.Documents.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();

        var streams = Enumerable.Range(0, 1_000).Select(_ => Guid.NewGuid()).ToArray();
        var total = seconds * rate;
        const int writers = 8;
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var i = w; i < total; i += writers)
            {
                var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait);
                }

                var e = EventToAppend.New(new Ticked(w, i, 1m));
                await store.AppendAsync(streams[random.Next(streams.Length)], "bench", ExpectedVersion.Any, [e]);
                committed[e.EventId] = Stopwatch.GetTimestamp();
            }
        })));
        var achieved = total / Stopwatch.GetElapsedTime(start).TotalSeconds;
        await operations.WaitForCatchUpAsync(TimeSpan.FromMinutes(1));
        await daemon.StopAllAsync();

        var latencies = committed
            .Select(c => projection.Seen.TryGetValue(c.Key, out var seen) ? Math.Max(0, Stopwatch.GetElapsedTime(c.Value, seen).TotalMilliseconds) : double.NaN)
            .Where(l => !double.IsNaN(l))
            .Order()
            .ToArray();
        Console.WriteLine($"(c) append commit -> projection applying it, {achieved:F0} appends/s for {seconds} s ({latencies.Length:N0} events): p50 {Percentile(latencies, 0.50):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms");
    }

    private static EventTypeRegistry Registry() => new EventTypeRegistry().Register<Ticked>("bench.ticked.v1");

    private static int Argument(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Rate(long count, TimeSpan elapsed) => (count / elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture);

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private sealed record Ticked(int Writer, int Sequence, decimal Amount);

    /// <summary>One row per stream: event count, last version and running total, upserted for every event (folded per batch).</summary>
    private sealed class StreamSummaryProjection : IProjection
    {
        public string Name => "stream_summary";

        public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { "bench.ticked.v1" };

        public IReadOnlyList<ProjectionTable> Tables { get; } =
            [new("stream_summary", "CREATE TABLE {table} (stream_id uuid PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL, total numeric NOT NULL)")];

        public static async Task UpsertAsync(NpgsqlDataSource? dataSource, NpgsqlTransaction? transaction, string table, List<(Guid Stream, long Version, decimal Amount)> rows)
        {
            var folded = rows.GroupBy(r => r.Stream).Select(g => (Stream: g.Key, Count: (long)g.Count(), Last: g.Max(r => r.Version), Total: g.Sum(r => r.Amount))).ToList();
            await using var command = transaction is not null
                ? new NpgsqlCommand(string.Empty, transaction.Connection, transaction)
                : dataSource!.CreateCommand();
            command.CommandText = $"""
                INSERT INTO {table} AS t (stream_id, events, last_version, total)
                SELECT * FROM unnest(@s, @n, @v, @a)
                ON CONFLICT (stream_id) DO UPDATE SET events = t.events + EXCLUDED.events, last_version = EXCLUDED.last_version, total = t.total + EXCLUDED.total
                """;
            command.Parameters.AddWithValue("s", folded.Select(f => f.Stream).ToArray());
            command.Parameters.AddWithValue("n", folded.Select(f => f.Count).ToArray());
            command.Parameters.AddWithValue("v", folded.Select(f => f.Last).ToArray());
            command.Parameters.AddWithValue("a", folded.Select(f => f.Total).ToArray());
            await command.ExecuteNonQueryAsync();
        }

        public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
        {
            var rows = batch.Events.Select(e => (e.StreamId, e.StreamVersion, ((Ticked)batch.Deserialize(e)).Amount)).ToList();
            var folded = rows.GroupBy(r => r.StreamId).Select(g => (Stream: g.Key, Count: (long)g.Count(), Last: g.Max(r => r.StreamVersion), Total: g.Sum(r => r.Amount))).ToList();
            var command = new NpgsqlBatchCommand($"""
                INSERT INTO {batch.Table("stream_summary")} AS t (stream_id, events, last_version, total)
                SELECT * FROM unnest(@s, @n, @v, @a)
                ON CONFLICT (stream_id) DO UPDATE SET events = t.events + EXCLUDED.events, last_version = EXCLUDED.last_version, total = t.total + EXCLUDED.total
                """);
            command.Parameters.AddWithValue("s", folded.Select(f => f.Stream).ToArray());
            command.Parameters.AddWithValue("n", folded.Select(f => f.Count).ToArray());
            command.Parameters.AddWithValue("v", folded.Select(f => f.Last).ToArray());
            command.Parameters.AddWithValue("a", folded.Select(f => f.Total).ToArray());
            batch.Add(command);
            return Task.CompletedTask;
        }
    }

    /// <summary>Deserializes every event it is given and writes nothing.</summary>
    private sealed class WritesNothingProjection : IProjection
    {
        public string Name => "writes_nothing";

        public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { "bench.ticked.v1" };

        public IReadOnlyList<ProjectionTable> Tables { get; } = [];

        public long Total { get; private set; }

        public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
        {
            foreach (var e in batch.Events)
            {
                Total += ((Ticked)batch.Deserialize(e)).Writer;
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>Records when it first sees each event.</summary>
    private sealed class LatencyProjection : IProjection
    {
        public ConcurrentDictionary<Guid, long> Seen { get; } = new();

        public string Name => "latency";

        public IReadOnlySet<string>? EventTypes => null;

        public IReadOnlyList<ProjectionTable> Tables { get; } = [];

        public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var e in batch.Events)
            {
                Seen.TryAdd(e.EventId, now);
            }

            return Task.CompletedTask;
        }
    }
}
