using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Ledger.EventStore.Hashing;
using Ledger.EventStore.MartenStore;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Ledger.Benchmarks;

/// <summary>
/// Appends of 1 and of 100 events per call with 2 and 8 concurrent writers, in one run on one cluster: raw INSERTs of
/// the same row shape (the baseline), vanilla Marten's Quick append, the ledger's store on Marten with its hash chain
/// (clear, and sealed per subject). With <c>--profile</c>, two steps between vanilla
/// Marten and the ledger, and the ledger's work in .NET per event.
/// </summary>
internal static class AppendBenchmark
{
    /// <summary>Streams per writer, each started (untimed) before a measurement, so the timed appends extend existing streams.</summary>
    private const int StreamsPerWriter = 100;

    private const double MartenGoal = 0.9;

    private const double RawGoal = 0.5;

    private static readonly string Filler = new('x', 330);

    public static async Task<int> RunAsync(string[] args)
    {
        var profile = args.Contains("--profile");
        var options = BenchOptions.Parse([.. args.Where(a => a != "--profile")], defaultSeconds: 12);
        var (cluster, connectionString) = await options.StartAsync();
        await using (cluster)
        {
            await using var dataSource = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxPoolSize = 50, MaxAutoPrepare = 32, AutoPrepareMinUsages = 2, ConnectionIdleLifetime = 3600 } }.Build();
            var registry = new EventTypeRegistry().Register<Measured>("bench.measured.v1");
            await using var targets = await AppendTargets.CreateAsync(dataSource, registry);
            var cpu = new CpuMeter(cluster.Directory);
            List<AppendTarget> paths = [targets.Raw, targets.VanillaMarten, targets.Ledger, targets.LedgerSealed];
            if (profile)
            {
                paths.AddRange([targets.MartenLedgerTables, targets.MartenLedgerStatements]);
            }

            var sample = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(NewEvent(1), registry.Options);
            Console.WriteLine($"payload: {sample.Length} bytes of JSON; {options.Seconds} s per measurement, each after a CHECKPOINT; {Environment.ProcessorCount} cores");
            Console.WriteLine(Invariant($"before each measurement, each writer starts its {StreamsPerWriter} streams (untimed); warm-up: 1 s of each path with 1 and with 100 events per append (not reported)"));
            foreach (var path in paths)
            {
                foreach (var batch in (int[])[1, 100])
                {
                    await MeasureAsync(2, 1, (w, s) => path.AppendOnce(batch, w, s), (w, s) => path.AppendOnce(1, w, s));
                }
            }

            var summary = new List<string>();
            foreach (var (batch, writers) in new[] { (1, 2), (1, 8), (100, 2), (100, 8) })
            {
                Console.WriteLine();
                Console.WriteLine($"### {batch} event{(batch == 1 ? string.Empty : "s")} per append, {writers} writers");
                Console.WriteLine();
                Console.WriteLine("| path | events/s | CPU µs per event: this process | CPU µs per event: PostgreSQL | appends that start a stream |");
                Console.WriteLine("|---|---:|---:|---:|---:|");
                var rates = new Dictionary<AppendTarget, double>();
                foreach (var path in paths)
                {
                    await CheckpointAsync(dataSource);
                    var before = cpu.Sample();
                    var (rate, events, appends, started) = await MeasureAsync(writers, options.Seconds, (w, s) => path.AppendOnce(batch, w, s), (w, s) => path.AppendOnce(1, w, s));
                    var after = cpu.Sample();
                    rates[path] = rate;
                    Console.WriteLine(Invariant($"| {path.Label} | {rate:N0} | {(after.Ledger - before.Ledger).TotalMicroseconds / events:F0} | {(cluster.Directory is null ? "–" : ((after.Postgres - before.Postgres).TotalMicroseconds / events).ToString("F0", CultureInfo.InvariantCulture))} | {(double)started / appends:P0} |"));
                }

                Console.WriteLine();
                foreach (var ledger in (AppendTarget[])[targets.Ledger, targets.LedgerSealed])
                {
                    var toMarten = rates[ledger] / rates[targets.VanillaMarten];
                    var toRaw = rates[ledger] / rates[targets.Raw];
                    Console.WriteLine(Invariant($"{ledger.Label}: / vanilla Marten {toMarten:F2} (goal ≥ {MartenGoal:F2}: {Verdict(toMarten, MartenGoal)}); / raw {toRaw:F2}{(batch == 100 ? Invariant($" (goal ≥ {RawGoal:F2}: {Verdict(toRaw, RawGoal)})") : string.Empty)}"));
                }

                summary.Add(Invariant($"| {batch} | {writers} | {rates[targets.Raw]:N0} | {rates[targets.VanillaMarten]:N0} | {rates[targets.Ledger]:N0} | {rates[targets.LedgerSealed]:N0} | {rates[targets.Ledger] / rates[targets.VanillaMarten]:F2} / {rates[targets.LedgerSealed] / rates[targets.VanillaMarten]:F2} | {rates[targets.Ledger] / rates[targets.Raw]:F2} / {rates[targets.LedgerSealed] / rates[targets.Raw]:F2} |"));
            }

            Console.WriteLine();
            Console.WriteLine("| events per append | writers | raw INSERT | vanilla Marten | ledger: chain | ledger: chain + encryption | ledger / vanilla Marten (chain / + encryption; goal ≥ 0.90) | ledger / raw (chain / + encryption; goal ≥ 0.50 for 100) |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            summary.ForEach(Console.WriteLine);

            if (profile)
            {
                await InProcessProfileAsync(registry, targets.Protector);
            }
        }

        return 0;
    }

    internal static Measured NewEvent(long n) => new(n, "mmol/L", 5.4m, Filler);

    private static string Verdict(double ratio, double goal) => ratio >= goal ? "met" : Invariant($"**short by {goal - ratio:F2}**");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts each writer's streams with <paramref name="start"/> (untimed), then runs <paramref name="writers"/> loops for
    /// the duration: events per second, events, appends and appends that started a stream (none, as a check).
    /// </summary>
    private static async Task<(double Rate, long Events, long Appends, long Started)> MeasureAsync(int writers, int seconds, Func<int, WriterState, Task<int>> once, Func<int, WriterState, Task<int>> start)
    {
        var states = Enumerable.Range(0, writers).Select(w => new WriterState(w)).ToArray();
        await Task.WhenAll(states.Select((state, w) => Task.Run(async () =>
        {
            for (var i = 0; i < StreamsPerWriter; i++)
            {
                await start(w, state);
            }

            state.ResetCounts();
        })));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            var state = states[w];
            long count = 0;
            while (!stop.IsCancellationRequested)
            {
                count += await once(w, state);
            }

            return (count, state.Appends, state.Started);
        })).ToList();
        var totals = await Task.WhenAll(loops);
        var events = totals.Sum(t => t.count);
        return (events / watch.Elapsed.TotalSeconds, events, totals.Sum(t => t.Appends), totals.Sum(t => t.Started));
    }

    private static async Task CheckpointAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand("CHECKPOINT");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// <c>--profile</c>: the ledger's work in .NET per event, one thread, against what vanilla Marten does for the same
    /// event (System.Text.Json). The data key is cached after the first event, as it is within an append benchmark.
    /// </summary>
    private static async Task InProcessProfileAsync(EventTypeRegistry registry, DataKeyProtector protector)
    {
        const int Count = 20_000;
        var events = Enumerable.Range(0, Count).Select(i => NewEvent(i)).ToArray();
        var streamId = Guid.NewGuid();
        var serialized = events.Select(e => registry.Serialize(e).Json).ToArray();
        var rendered = serialized.Select(j => JsonbText.RenderUtf8(j)).ToArray();
        var stored = rendered.Select(r => StoredPayload.ForClear(r)).ToArray();
        var eventIds = events.Select(_ => Guid.NewGuid()).ToArray();
        var now = SystemClock.Instance.GetCurrentInstant();
        var previous = new byte[32];
        var key = RandomNumberGenerator.GetBytes(32);
        var nonce = new byte[12];
        var tag = new byte[16];
        var cipher = new byte[rendered.Max(r => r.Length)];
        using var reused = new AesGcm(key, 16);
        Console.WriteLine();
        Console.WriteLine(Invariant($"In .NET, per event, one thread ({Count:N0} events, second pass):"));
        Console.WriteLine();
        Console.WriteLine("| step | µs per event |");
        Console.WriteLine("|---|---:|");
        var steps = new (string Step, Func<int, Task> Run)[]
        {
            ("System.Text.Json, as vanilla Marten serializes", i => { System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(events[i]); return Task.CompletedTask; }),
            ("ledger: registry serialization", i => { registry.Serialize(events[i]); return Task.CompletedTask; }),
            ("ledger: canonical jsonb text", i => { JsonbText.RenderUtf8(serialized[i]); return Task.CompletedTask; }),
            ("ledger: chain hash (SHA-256 over the canonical fields)", i => { EventStore.EventStore.Hash(previous, streamId, i + 1, eventIds[i], "bench.measured.v1", now, "{}", stored[i]); return Task.CompletedTask; }),
            ("ledger: AES-256-GCM seal under the subject's cached key (DataKeyProtector.EncryptAsync)", i => protector.EncryptAsync(streamId, rendered[i], Encoding.ASCII.GetBytes($"{streamId:D}/{eventIds[i]:D}"), CancellationToken.None)),
            ("  of which: a new AesGcm per event (key schedule), then Encrypt", i => { using var aes = new AesGcm(key, 16); aes.Encrypt(nonce, rendered[i], cipher.AsSpan(0, rendered[i].Length), tag); return Task.CompletedTask; }),
            ("  against: one AesGcm reused, Encrypt only", i => { reused.Encrypt(nonce, rendered[i], cipher.AsSpan(0, rendered[i].Length), tag); return Task.CompletedTask; }),
            ("  and: a random nonce per event (RandomNumberGenerator.Fill)", i => { RandomNumberGenerator.Fill(nonce); return Task.CompletedTask; }),
        };
        foreach (var (step, run) in steps)
        {
            var elapsed = TimeSpan.Zero;
            for (var pass = 0; pass < 2; pass++)
            {
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < Count; i++)
                {
                    await run(i);
                }

                elapsed = watch.Elapsed;
            }

            Console.WriteLine(Invariant($"| {step} | {elapsed.TotalMicroseconds / Count:F2} |"));
        }
    }

    /// <summary>Each writer cycles over streams of its own, so versions are known without reading.</summary>
    internal sealed class WriterState(int writer)
    {
        private readonly Guid[] streams = Enumerable.Range(0, StreamsPerWriter).Select(_ => Guid.NewGuid()).ToArray();
        private readonly int[] versions = new int[StreamsPerWriter];
        private int next = writer;

        public long Appends { get; private set; }

        public long Started { get; private set; }

        public void ResetCounts() => (Appends, Started) = (0, 0);

        public (Guid Stream, int FirstVersion) Next(int batch)
        {
            var i = next++ % StreamsPerWriter;
            var first = versions[i] + 1;
            versions[i] += batch;
            Appends++;
            Started += first == 1 ? 1 : 0;
            return (streams[i], first);
        }
    }

    /// <summary>A measurement-like event of about 400 bytes of JSON.</summary>
    public sealed record Measured(long Sequence, string Unit, decimal Value, string Note);
}
