using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Ledger.App.Cli;
using Ledger.App.Hosting;
using Ledger.App.Ingestion;
using Ledger.App.Organizations;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.EventStore;
using Ledger.EventStore.Hosting;
using Ledger.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;

namespace Ledger.Benchmarks;

/// <summary>
/// Delivery of 20-observation ORU^R01 messages (a unique MSH-10 each, one patient each) to the real application on
/// a durable PostgreSQL: the most messages per second concurrent clients get stored over MLLP and over HTTP, and
/// the ACK latency (p50/p99, measured from the scheduled send time) at a steady offered rate.
/// </summary>
public static class IngestionBenchmark
{
    private const string Ogrn = "1027700132195";
    private const string Inn = "7707083893";
    private const string Oid = "1.2.643.5.1.13.13.12.2.77.7973";
    private static long sequence;
    private static string[]? patientSnils;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = 10;
        var clients = 16;
        var rate = 200;
        var warmup = 10;
        var transports = "mllp,http";
        string? connection = null;
        var walStats = false;
        var statements = false;
        var registered = 0;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length: seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--clients" when i + 1 < args.Length: clients = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rate" when i + 1 < args.Length: rate = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--warmup" when i + 1 < args.Length: warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--transports" when i + 1 < args.Length: transports = args[++i]; break;
                case "--connection" when i + 1 < args.Length: connection = args[++i]; break;
                case "--wal-stats": walStats = true; break;
                case "--statements": statements = true; break;
                case "--registered" when i + 1 < args.Length: registered = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        await using var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(Durable: true, Settings: statements ? [.. WalSettings, "shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=all"] : WalSettings), connection);
        if (connection is null)
        {
            await PrepareWalAsync(await cluster.CreateDatabaseAsync("wal"));
        }

        var cpu = new CpuMeter(cluster.Directory);
        Console.WriteLine(connection is null ? "PostgreSQL: a durable cluster started for this run (fsync=on, synchronous_commit=on)" : "PostgreSQL: the server given by --connection");
        Console.WriteLine($"message: ORU^R01, 20 OBX, {Message("sample").Length} bytes; {seconds} s per measurement; {clients} clients; {Environment.ProcessorCount} cores");
        Console.WriteLine($"each transport: a database and a ledger of its own, {warmup} s of warm-up (not reported), then the measurements");
        Console.WriteLine(registered > 0
            ? $"patients: {registered} registered beforehand in each database; each message names one of them at random by СНИЛС (its trend points are written at once)"
            : "patients: a new one per message, by a local medical record number, never registered (the result waits for its patient; no trend points until matched)");
        Console.WriteLine();
        var baseline = await RawInsertsAsync(await cluster.CreateDatabaseAsync("raw"), clients, seconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw PostgreSQL baseline: {baseline:F0} messages/s stored as one INSERT (uuid, text) each, in its own transaction, by {clients} clients"));
        var rows = new List<string>();
        foreach (var transport in transports.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (transport is not ("mllp" or "http"))
            {
                throw new ArgumentException($"unknown transport '{transport}' (mllp, http)");
            }

            var connectionString = await cluster.CreateDatabaseAsync("ingest");
            var runtime = new LedgerRuntime(connectionString, "ledger", LedgerKeys.Ephemeral(), SystemClock.Instance);
            await using var app = ServeCommand.BuildApp(runtime, "http://127.0.0.1:0", configure: builder =>
            {
                builder.Configuration[IngestionFeature.MllpPortKey] = "0";
                builder.Configuration[IngestionFeature.MllpAddressKey] = "127.0.0.1";
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
            });
            await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
            await app.StartAsync();
            var organization = await EnableOrganizationAsync(app.Services);
            patientSnils = registered > 0 ? await RegisterPatientsAsync(app.Services, registered) : null;
            var mllp = app.Services.GetRequiredService<MllpListener>();
            await mllp.Listening;
            var httpAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            var token = app.Services.GetRequiredService<TokenService>().Issue(Roles.Organization, organization, Duration.FromHours(1));
            Func<ISender> create = transport == "mllp" ? () => new MllpSender(mllp.Endpoint!.Port) : () => new HttpSender(httpAddress, token);

            var warmedFor = await WarmUpAsync(clients, warmup, create);
            await CheckpointAsync(connectionString);
            if (statements)
            {
                await ExecuteAsync(connectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()");
            }

            var walBefore = await WalLsnAsync(connectionString);
            var cpuBefore = cpu.Sample();
            var jitBefore = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var max = await MaxAsync(clients, seconds, create);
            var cpuAfter = cpu.Sample();
            var jitAfter = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
            var walAfter = await WalLsnAsync(connectionString);
            var walBytes = walAfter.Position - walBefore.Position;
            var stored = max * seconds;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{transport}: per stored message at the maximum rate: CPU {(cpuAfter.Ledger - cpuBefore.Ledger).TotalMilliseconds / stored:F2} ms in the ledger process (with the load generator), {(cpuAfter.Postgres - cpuBefore.Postgres).TotalMilliseconds / stored:F2} ms in PostgreSQL; WAL {(double)walBytes / stored / 1024:F1} KiB; warm-up {warmedFor} s, then {jitAfter.Item1 - jitBefore.Item1} methods JIT-compiled during the measurement ({(jitAfter.Item2 - jitBefore.Item2).TotalMilliseconds:F0} ms)"));
            if (statements)
            {
                await PrintStatementsAsync(connectionString, stored);
            }

            if (walStats && cluster.Directory is { } directory)
            {
                PrintWalStats(directory, walBefore.Lsn, walAfter.Lsn);
            }

            await CheckpointAsync(connectionString);
            var steady = await SteadyAsync(clients, seconds, rate, create);
            rows.Add(Row(transport == "mllp" ? "MLLP" : "HTTP", max, rate, steady));
            Console.WriteLine($"{transport}: {await ScalarAsync(connectionString, "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()")} rolled-back transactions in this database, {await ScalarAsync(connectionString, "SELECT count(*) FROM ledger.mt_high_water_skips")} sequence ranges skipped by Marten's daemon (mt_high_water_skips)");
            await app.StopAsync();

            // The next transport must not pay for this one's database (its autovacuum and analyze of the rows just
            // written would otherwise run during the next measurement).
            await app.DisposeAsync();
            await cluster.DropDatabaseAsync(connectionString);
        }

        Console.WriteLine();
        Console.WriteLine("| transport | max messages/s | offered rate | achieved/s | ACK p50 ms | ACK p99 ms | errors |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
        {
            Console.WriteLine(row);
        }

        return 0;
    }

    /// <summary>
    /// The same messages stored by plain INSERTs, one transaction each, by the same number of clients through one
    /// connection pool: what the machine's PostgreSQL does without the ledger, measured in the same run.
    /// </summary>
    private static async Task<double> RawInsertsAsync(string connectionString, int clients, int seconds)
    {
        await using var dataSource = new Npgsql.NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { MaxAutoPrepare = 8, AutoPrepareMinUsages = 2, NoResetOnClose = true } }.Build();
        await using (var create = dataSource.CreateCommand("CREATE TABLE raw_messages (id uuid PRIMARY KEY, body text NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        await CheckpointAsync(connectionString);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            var stored = 0;
            while (!stop.IsCancellationRequested)
            {
                await using var insert = dataSource.CreateCommand("INSERT INTO raw_messages (id, body) VALUES (@id, @body)");
                insert.Parameters.AddWithValue("id", Guid.NewGuid());
                insert.Parameters.AddWithValue("body", Encoding.UTF8.GetString(Message(NextId())));
                stored += await insert.ExecuteNonQueryAsync();
            }

            return stored;
        })));
        return counts.Sum() / watch.Elapsed.TotalSeconds;
    }

    /// <summary>WAL kept for reuse, as a production server should be configured (docs/operations.md).</summary>
    private static readonly string[] WalSettings = ["min_wal_size=2GB", "max_wal_size=4GB"];

    /// <summary>
    /// Makes a fresh cluster look like one that has run for a while: 1 GB of WAL segments written once and, after a
    /// checkpoint, kept for reuse. A fresh cluster has a single segment, and creating each further one (16 MB written
    /// with zeros while the committing backend holds the WAL write lock) stalls every commit for tens of milliseconds.
    /// </summary>
    private static async Task PrepareWalAsync(string connectionString)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        for (var i = 0; i < 64; i++)
        {
            await using var command = dataSource.CreateCommand("SELECT pg_logical_emit_message(false, 'ledger-bench', 'wal'), pg_switch_wal()");
            await command.ExecuteNonQueryAsync();
        }

        await CheckpointAsync(connectionString);
    }

    /// <summary>
    /// A checkpoint before each measurement, as on a server that has run longer than one checkpoint interval: the WAL
    /// segments written so far are recycled, so the measurement writes into existing segments. On a fresh cluster
    /// every new 16 MB segment is created and zero-filled while the committing backend holds the WAL write lock,
    /// which stalls all commits for tens of milliseconds.
    /// </summary>
    private static async Task CheckpointAsync(string connectionString)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("CHECKPOINT");
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<(string Lsn, decimal Position)> WalLsnAsync(string connectionString)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT pg_current_wal_lsn()::text, pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetString(0), reader.GetDecimal(1));
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// <c>--statements</c>: the statements that took the most server time during the measurement, per stored message
    /// (from <c>pg_stat_statements</c>, which itself costs some time: a diagnostic, not a measurement).
    /// </summary>
    private static async Task PrintStatementsAsync(string connectionString, double stored)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT total_exec_time, calls, rows, wal_bytes, jit_functions, left(regexp_replace(query, '\s+', ' ', 'g'), 150)
            FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 30
            """);
        await using var reader = await command.ExecuteReaderAsync();
        Console.WriteLine("| ms per message | calls per message | rows per call | WAL bytes per message | JIT-compiled functions | statement |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---|");
        while (await reader.ReadAsync())
        {
            var calls = reader.GetInt64(1);
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {reader.GetDouble(0) / stored:F3} | {calls / stored:F2} | {(calls == 0 ? 0 : (double)reader.GetInt64(2) / calls):F1} | {reader.GetDecimal(3) / (decimal)stored:F0} | {reader.GetInt64(4)} | {reader.GetString(5).Replace('|', '/')} |"));
        }

        Console.WriteLine();
    }

    /// <summary>
    /// <c>--wal-stats</c>: what the WAL of the measurement consists of, by resource manager and record type, as
    /// <c>pg_waldump --stats=record</c> reports it (full-page images counted apart).
    /// </summary>
    private static void PrintWalStats(string clusterDirectory, string start, string end)
    {
        var pgCtl = PostgresServer.FindBinaries().PgCtl;
        var waldump = Path.Combine(Path.GetDirectoryName(File.ResolveLinkTarget(pgCtl, returnFinalTarget: true)?.FullName ?? pgCtl)!, "pg_waldump");
        var info = new ProcessStartInfo(waldump) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--stats=record", "-p", Path.Combine(clusterDirectory, "data", "pg_wal"), "-s", start, "-e", end])
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Console.WriteLine(output);
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"pg_waldump exited with {process.ExitCode}: {errors.Trim()}");
        }
    }

    private static string Row(string transport, double max, int rate, (double Rate, double P50, double P99, int Errors) steady) =>
        string.Create(CultureInfo.InvariantCulture, $"| {transport} | {max:F0} | {rate} | {steady.Rate:F0} | {steady.P50:F1} | {steady.P99:F1} | {steady.Errors} |");

    private static async Task<Guid> EnableOrganizationAsync(IServiceProvider services)
    {
        var executor = services.GetRequiredService<CommandExecutor>();
        var id = new OrganizationId(Guid.CreateVersion7());
        var registry = OrganizationRegistry.ParseCsv($"ogrn,inn,name,type,oid\n{Ogrn},{Inn},Bench Lab,laboratory,{Oid}\n");
        var context = new CommandContext(Guid.NewGuid(), new EventMetadata());
        var stream = StreamIds.Organization(id);
        await executor.ExecuteAsync(Deciders.Organization, stream, new RegisterOrganization(id, Domain.Identifiers.Inn.Parse(Inn), Domain.Identifiers.Ogrn.Parse(Ogrn), OrganizationType.Laboratory, "Bench Lab", Oid), context);
        await executor.ExecuteAsync(Deciders.Organization, stream, new VerifyOrganization(id, registry), context with { CommandId = Guid.NewGuid() });
        await executor.ExecuteAsync(Deciders.Organization, stream, new EnableDelivery(id), context with { CommandId = Guid.NewGuid() });
        await services.GetRequiredService<OrganizationDirectory>().SetMllpSourcesAsync(id.Value, ["127.0.0.1"]);
        return id.Value;
    }

    /// <summary>
    /// <c>--registered N</c>: N patients registered through the command executor, as the registration endpoint does
    /// (a data key each); their СНИЛС numbers, which the messages then name.
    /// </summary>
    private static async Task<string[]> RegisterPatientsAsync(IServiceProvider services, int count)
    {
        var executor = services.GetRequiredService<CommandExecutor>();
        var numbers = Enumerable.Range(0, count).Select(i => TestSnils.Of(200_000_000 + i)).ToArray();
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (snils, cancellationToken) =>
        {
            var id = new PatientId(Guid.CreateVersion7());
            var command = new RegisterPatient(
                id, FullName.Create("Иванова", "Мария", "Петровна"), BirthDate.Create(new LocalDate(1984, 6, 2), new LocalDate(2026, 3, 2)),
                Sex.Female, Snils.Parse(snils), null, null, null);
            await executor.ExecuteAsync(Deciders.Patient, StreamIds.Patient(id), command, new CommandContext(Guid.NewGuid(), EventMetadata.Empty, id.Value), cancellationToken);
        });
        return numbers;
    }

    /// <summary>
    /// An ORU^R01 with 20 observations; the control id differs per message, and so does the patient: a new local
    /// medical record number, or one of the registered patients' СНИЛС (<c>--registered</c>).
    /// </summary>
    private static byte[] Message(string controlId)
    {
        var sb = new StringBuilder();
        var patient = patientSnils is { } known ? $"{known[Random.Shared.Next(known.Length)]}^^^SNILS" : $"P{controlId}^^^LIS^MR";
        sb.Append(CultureInfo.InvariantCulture, $"MSH|^~\\&|LIS|{Ogrn}|LEDGER|LEDGER|20260301120000+0300||ORU^R01^ORU_R01|{controlId}|P|2.5.1|||||||UNICODE UTF-8\r");
        sb.Append(CultureInfo.InvariantCulture, $"PID|1||{patient}||Иванова^Мария||19840602|F\r");
        sb.Append(CultureInfo.InvariantCulture, $"OBR|1|{controlId}|F{controlId}|57021-8^CBC W Auto Differential panel in Blood^LN|||20260301080000+0300|||||||||||||||20260301110000+0300|||F\r");
        for (var i = 1; i <= 20; i++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"OBX|{i}|NM|718-7^Hemoglobin [Mass/volume] in Blood^LN||{120 + i}.5|g/L^g/L^UCUM|120-160|N|||F|||20260301080000+0300\r");
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static string NextId() => "B" + Interlocked.Increment(ref sequence).ToString(CultureInfo.InvariantCulture) + "-" + Environment.TickCount64.ToString(CultureInfo.InvariantCulture);

    private interface ISender : IAsyncDisposable
    {
        Task<bool> SendAsync(byte[] message, CancellationToken cancellationToken);
    }

    private sealed class MllpSender(int port) : ISender
    {
        private readonly TcpClient client = new();
        private NetworkStream? stream;
        private readonly byte[] buffer = new byte[8192];

        public async Task<bool> SendAsync(byte[] message, CancellationToken cancellationToken)
        {
            if (stream is null)
            {
                await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                stream = client.GetStream();
            }

            await stream.WriteAsync((byte[])[0x0B, .. message, 0x1C, 0x0D], cancellationToken);
            var ack = new List<byte>();
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    return false;
                }

                ack.AddRange(buffer.AsSpan(0, read));
                if (ack.Count >= 2 && ack[^2] == 0x1C && ack[^1] == 0x0D)
                {
                    return Encoding.UTF8.GetString(ack.ToArray()).Contains("MSA|AA|", StringComparison.Ordinal);
                }
            }
        }

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class HttpSender(Uri address, string token) : ISender
    {
        private readonly HttpClient client = new() { BaseAddress = address, DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };

        public async Task<bool> SendAsync(byte[] message, CancellationToken cancellationToken)
        {
            using var content = new ByteArrayContent(message);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/hl7-v2");
            using var response = await client.PostAsync(new Uri("/api/v1/ingest/hl7v2", UriKind.Relative), content, cancellationToken);
            return response.IsSuccessStatusCode;
        }

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// Full load for <paramref name="seconds"/>, then on in 5-second rounds (two minutes at most) until a round
    /// JIT-compiles fewer than 50 methods: on two busy cores the runtime's background compiler takes well over a
    /// minute to promote the hot code, and a long-running server is measured, not its first minute. Returns the
    /// seconds spent.
    /// </summary>
    private static async Task<int> WarmUpAsync(int clients, int seconds, Func<ISender> create)
    {
        await MaxAsync(clients, seconds, create);
        var spent = seconds;
        for (var round = 0; round < 24; round++)
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await MaxAsync(clients, 5, create);
            spent += 5;
            if (System.Runtime.JitInfo.GetCompiledMethodCount() - before < 50)
            {
                break;
            }
        }

        return spent;
    }

    /// <summary>Each client sends, waits for the ACK, and sends the next: stored messages per second.</summary>
    private static async Task<double> MaxAsync(int clients, int seconds, Func<ISender> create)
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            await using var sender = create();
            var stored = 0;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    stored += await sender.SendAsync(Message(NextId()), stop.Token) ? 1 : 0;
                }
            }
            catch (OperationCanceledException)
            {
            }

            return stored;
        })));
        return counts.Sum() / watch.Elapsed.TotalSeconds;
    }

    /// <summary>Messages offered at a fixed rate; latency counts from the scheduled send time (no coordinated omission).</summary>
    private static async Task<(double Rate, double P50, double P99, int Errors)> SteadyAsync(int clients, int seconds, int rate, Func<ISender> create)
    {
        var queue = Channel.CreateUnbounded<long>();
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            await using var sender = create();
            await foreach (var scheduled in queue.Reader.ReadAllAsync())
            {
                var ok = await sender.SendAsync(Message(NextId()), CancellationToken.None);
                if (ok)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(scheduled).TotalMilliseconds);
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToList();
        var total = rate * seconds;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < total; i++)
        {
            var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = TimeSpan.FromTicks((due - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
                if (wait > TimeSpan.FromMilliseconds(2))
                {
                    await Task.Delay(wait - TimeSpan.FromMilliseconds(1));
                }
            }

            queue.Writer.TryWrite(due);
        }

        queue.Writer.Complete();
        await Task.WhenAll(workers);
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return (sorted.Length / watch.Elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99), errors);
    }
}
