using System.Diagnostics;
using System.Globalization;
using Ledger.EventStore;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.Benchmarks;

/// <summary>
/// Appends of 1 and of 100 events per call with 2 and 8 concurrent writers, against the raw baseline measured in
/// the same run: plain INSERTs of the same row shape (uuid stream, int version, ~400-byte jsonb,
/// unique(stream, version)) by the same number of clients.
/// </summary>
internal static class AppendBenchmark
{
    private const int StreamsPerWriter = 1_000;

    private static readonly string Filler = new('x', 330);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = BenchOptions.Parse(args, defaultSeconds: 20);
        var (cluster, connectionString) = await options.StartAsync();
        await using (cluster)
        {
            await using var dataSource = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 50, MaxAutoPrepare = 32, AutoPrepareMinUsages = 2 } }.Build();
            var registry = new EventTypeRegistry().Register<Measured>("bench.measured.v1");
            await using var store = new EventStore.EventStore(dataSource, registry, SystemClock.Instance);
            await store.MigrateAsync();
            await using (var create = dataSource.CreateCommand("CREATE TABLE baseline_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id uuid NOT NULL, version int NOT NULL, data jsonb NOT NULL, UNIQUE (stream_id, version))"))
            {
                await create.ExecuteNonQueryAsync();
            }

            var sample = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(NewEvent(1), registry.Options);
            Console.WriteLine($"payload: {sample.Length} bytes of JSON; {options.Seconds} s per measurement; {Environment.ProcessorCount} cores");
            Console.WriteLine();
            Console.WriteLine("| events per append | writers | raw INSERT events/s | store events/s | ratio |");
            Console.WriteLine("|---:|---:|---:|---:|---:|");
            foreach (var (batch, writers) in new[] { (1, 2), (1, 8), (100, 2), (100, 8) })
            {
                var baseline = await MeasureAsync(writers, options.Seconds, (w, r) => BaselineAsync(dataSource, batch, w, r));
                var appends = await MeasureAsync(writers, options.Seconds, (w, r) => StoreAsync(store, batch, w, r));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {batch} | {writers} | {baseline:F0} | {appends:F0} | {appends / baseline:F2} |"));
            }
        }

        return 0;
    }

    private static Measured NewEvent(long n) => new(n, "mmol/L", 5.4m, Filler);

    /// <summary>Runs <paramref name="writers"/> loops for the duration and returns events per second.</summary>
    private static async Task<double> MeasureAsync(int writers, int seconds, Func<int, WriterState, Task<int>> once)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var state = new WriterState(w);
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                count += await once(w, state);
            }

            return count;
        })).ToList();
        var total = (await Task.WhenAll(loops)).Sum();
        return total / watch.Elapsed.TotalSeconds;
    }

    private static async Task<int> BaselineAsync(NpgsqlDataSource dataSource, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        await using var command = dataSource.CreateCommand("INSERT INTO baseline_events (stream_id, version, data) SELECT @s, v, d FROM unnest(@v, @d) AS u(v, d)");
        command.Parameters.AddWithValue("s", stream);
        command.Parameters.AddWithValue("v", Enumerable.Range(firstVersion, batch).ToArray());
        command.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Array | NpgsqlDbType.Jsonb)
        {
            Value = Enumerable.Range(0, batch).Select(i => System.Text.Json.JsonSerializer.Serialize(NewEvent(writer * 1_000_000L + firstVersion + i))).ToArray(),
        });
        await command.ExecuteNonQueryAsync();
        return batch;
    }

    private static async Task<int> StoreAsync(EventStore.EventStore store, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        var events = Enumerable.Range(0, batch).Select(i => EventToAppend.New(NewEvent(writer * 1_000_000L + firstVersion + i))).ToList();
        await store.AppendAsync(stream, "bench", firstVersion == 1 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(firstVersion - 1), events);
        return batch;
    }

    /// <summary>Each writer cycles over streams of its own, so versions are known without reading.</summary>
    private sealed class WriterState(int writer)
    {
        private readonly Guid[] streams = Enumerable.Range(0, StreamsPerWriter).Select(_ => Guid.NewGuid()).ToArray();
        private readonly int[] versions = new int[StreamsPerWriter];
        private int next = writer;

        public (Guid Stream, int FirstVersion) Next(int batch)
        {
            var i = next++ % StreamsPerWriter;
            var first = versions[i] + 1;
            versions[i] += batch;
            return (streams[i], first);
        }
    }

    /// <summary>A measurement-like event of about 400 bytes of JSON.</summary>
    public sealed record Measured(long Sequence, string Unit, decimal Value, string Note);
}
