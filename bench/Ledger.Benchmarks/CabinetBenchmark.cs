using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Ledger.Benchmarks;

/// <summary>
/// Cabinet list and trend queries over HTTP against the real app on a durable PostgreSQL, at the size of a real
/// region: by default 10,000 patients, each with 100 lab reports and 100 entries in the access log (2,010,000
/// events). Patients register through the command executor; reports (one transaction per patient, each report a stream of its own) and access entries are appended directly
/// (encrypted under each patient's key, as the app does), by several writers. Then the projections catch up and
/// concurrent clients, each request with the token of a random patient, measure p50/p99 per query: first against
/// the ledger hosted in this process, then against `ledger serve` started as a process of its own on the same
/// database and keys, whose resident memory (VmRSS, sampled every 100 ms) is the server's alone.
/// </summary>
public static class CabinetBenchmark
{
    private static readonly OrganizationId Laboratory = new(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001"));

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var patients = Argument(args, "--patients", 10_000);
        var documents = Argument(args, "--documents", 100);
        var accesses = Argument(args, "--accesses", 100);
        var seconds = Argument(args, "--seconds", 20);
        var clients = Argument(args, "--clients", 8);
        var writers = Argument(args, "--writers", 8);

        await using var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(Durable: true));
        Console.WriteLine("PostgreSQL: a durable cluster started for this run (fsync=on, synchronous_commit=on, full_page_writes=on)");
        var keys = BenchKeys.Create();
        await using var host = await LedgerHost.StartAsync(clock: new FakeClock(SystemClock.Instance.GetCurrentInstant()), cluster: cluster, keys: keys.Keys);
        var executor = host.Services.GetRequiredService<CommandExecutor>();
        var store = host.Services.GetRequiredService<EventStore.EventStore>();
        var today = host.Clock.GetCurrentInstant().InUtc().Date;
        var ids = new Guid[patients];
        var timer = Stopwatch.StartNew();
        var next = -1;
        long events = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            int p;
            while ((p = Interlocked.Increment(ref next)) < patients)
            {
                var id = new PatientId(Guid.CreateVersion7());
                ids[p] = id.Value;
                var encrypt = new AppendOptions { EncryptFor = id.Value };
                await executor.ExecuteAsync(Deciders.Patient, id.Value,
                    new RegisterPatient(id, FullName.Create("Пациент", "Тест"), BirthDate.Create(new LocalDate(1980, 1, 1), today), Sex.Unknown, Snils.Parse(SnilsFor(p)), null, null, null),
                    new CommandContext(Guid.NewGuid(), EventMetadata.Empty, id.Value));
                // The patient's reports, each a stream of its own as the app writes them, committed together (one
                // transaction per patient: the seeding is not what is measured, and one commit per report took an hour).
                await using (var connection = await host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync())
                {
                    var results = new List<AppendResult>(documents);
                    await using (var transaction = await connection.BeginTransactionAsync())
                    {
                        for (var d = 0; d < documents; d++)
                        {
                            var document = new DocumentId(Guid.CreateVersion7());
                            results.Add(await store.AppendAsync(transaction, document.Value, StreamIds.ResultKind, ExpectedVersion.NoStream,
                                [EventToAppend.New(new LabResultArrived(document, PatientRef.Resolved(id), Laboratory, "D-" + document.Value.ToString("N"), Report(d)))], encrypt));
                        }

                        await transaction.CommitAsync();
                    }

                    foreach (var result in results)
                    {
                        await store.CommittedAsync(result);
                    }
                }

                for (var a = 0; a < accesses; a += 100)
                {
                    var batch = Enumerable.Range(a, Math.Min(100, accesses - a))
                        .Select(i => EventToAppend.New(new RecordAccessed(id, new Actor(ActorKind.Patient, new ActorId(id.Value)), null, "просмотр кабинета", null, AccessChannel.Web, AccessOutcome.Succeeded, host.Clock.GetCurrentInstant() - Duration.FromMinutes(i))))
                        .ToList();
                    await store.AppendAsync(StreamIds.Access(id), StreamIds.AccessKind, ExpectedVersion.Any, batch, encrypt);
                }

                var total = Interlocked.Add(ref events, 1 + documents + accesses);
                if ((p + 1) % 500 == 0)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {p + 1:N0} patients, {total:N0} events, {total / timer.Elapsed.TotalSeconds:F0} events/s"));
                }
            }
        })));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {patients:N0} patients × ({documents} lab reports + {accesses} access entries) = {events:N0} events in {timer.Elapsed.TotalSeconds:F0} s"));
        timer.Restart();
        await host.Services.GetRequiredService<ProjectionOperations>().WaitForCatchUpAsync(TimeSpan.FromHours(2));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"projections caught up {timer.Elapsed.TotalSeconds:F0} s after seeding"));

        // One connection pool for every client, a token per patient issued beforehand: the figures are the
        // server's, not the cost of making clients.
        var tokens = host.Services.GetRequiredService<TokenService>();
        var bearer = ids.Select(id => tokens.Issue(Roles.Patient, id, Duration.FromHours(24))).ToArray();

        // First the ledger hosted in this process, beside its clients and the seeding's leftovers. The seeding's
        // garbage is not the server's: one full, compacting collection before the queries.
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"in this process: resident memory before the queries {Resident(self)} (managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MB)"));
        using (var http = new HttpClient { BaseAddress = host.Address })
        {
            await MeasureAsync(http, bearer, clients, seconds, self);
        }

        // Then the ledger as production runs it: `ledger serve` in a process of its own on the same database and
        // keys, nothing else in it, so its resident set is the server's alone.
        await host.App.StopAsync();
        using var server = StartServer(host.ConnectionString, keys, out var address);
        try
        {
            using var http = new HttpClient { BaseAddress = address };
            await WaitForHealthAsync(http, server);
            server.Refresh();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ledger serve (pid {server.Id}): resident memory after start {Resident(server)}"));
            await MeasureAsync(http, bearer, clients, seconds, server);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ledger serve: peak resident memory of the whole run (VmHWM) {Status(server.Id, "VmHWM")}"));
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }

        await BaselineAsync(host.ConnectionString, ids, clients, seconds);
        return 0;
    }

    /// <summary>
    /// The baseline: the same two queries the endpoints send (the first page of 20 of the cabinet list with its
    /// organisation names and total; one analyte's points, which the endpoint reads whole and cuts to the period) over a raw Npgsql connection pool, for random
    /// patients, with 1 and <paramref name="clients"/> clients: what the database alone costs.
    /// </summary>
    private static async Task BaselineAsync(string connectionString, Guid[] ids, int clients, int seconds)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(connectionString);
        var queries = new (string Name, string Sql)[]
        {
            ("raw: cabinet list", $"""
                SELECT d.document_id, d.document_type, d.kind, d.modality, d.event_at, d.issued_at, d.organization_id, d.status, d.title, d.order_number,
                       d.document_number, d.specialist, d.out_of_range, d.corrections, d.arrived_at, count(*) OVER (), o.name
                FROM (SELECT * FROM ledger.{Ledger.App.Cabinet.CabinetProjection.Table} WHERE patient_id = @p) d
                LEFT JOIN ledger.{Ledger.App.Organizations.OrganizationDirectory.Table} o ON o.org_id = d.organization_id
                ORDER BY d.event_at DESC, d.arrived_at DESC, d.document_id
                LIMIT 20 OFFSET 0
                """),
            ("raw: trend (year)", $"""
                SELECT unit, name, value, flag, ref_low, ref_high, ref_text, document_id, observed_at
                FROM ledger.{Ledger.App.Trends.TrendProjection.Table}
                WHERE patient_id = @p AND loinc = '2345-7' ORDER BY unit, observed_at, document_id, seq
                """),
        };
        foreach (var concurrency in new[] { 1, clients })
        foreach (var (name, sql) in queries)
        {
            var latencies = new List<double>[concurrency];
            var until = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
            {
                latencies[c] = [];
                var random = new Random(c);
                while (until.Elapsed.TotalSeconds < seconds)
                {
                    var started = Stopwatch.GetTimestamp();
                    await using (var command = dataSource.CreateCommand(sql))
                    {
                        command.Parameters.AddWithValue("p", ids[random.Next(ids.Length)]);
                        await using var reader = await command.ExecuteReaderAsync();
                        while (await reader.ReadAsync())
                        {
                            for (var i = 0; i < reader.FieldCount; i++)
                            {
                                _ = reader.GetValue(i);
                            }
                        }
                    }

                    latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            })));
            var all = latencies.SelectMany(l => l).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-18} {all.Count / (double)seconds,8:F0} req/s  p50 {Percentile(all, 0.50):F2} ms  p99 {Percentile(all, 0.99):F2} ms  ({concurrency} client{(concurrency == 1 ? "" : "s")}, {all.Count:N0} requests)"));
        }
    }

    private static async Task MeasureAsync(HttpClient http, string[] bearer, int clients, int seconds, Process server)
    {
        // Warm-up, not measured: the first requests of a fresh process compile the code paths they take.
        foreach (var path in new[] { "/api/v1/patients/me/documents?pageSize=20", "/api/v1/patients/me/trends/2345-7?period=year" })
        {
            for (var i = 0; i < 300; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer[i % bearer.Length]);
                using var response = await http.SendAsync(request);
                response.EnsureSuccessStatusCode();
            }
        }

        foreach (var concurrency in new[] { 1, clients })
        foreach (var (name, path) in new[] { ("cabinet list", "/api/v1/patients/me/documents?pageSize=20"), ("trend (year)", "/api/v1/patients/me/trends/2345-7?period=year") })
        {
            var latencies = new List<double>[concurrency];
            var until = Stopwatch.StartNew();
            using var sampling = new CancellationTokenSource();
            var peak = Task.Run(async () =>
            {
                long highest = 0;
                while (!sampling.IsCancellationRequested)
                {
                    highest = Math.Max(highest, Kilobytes(server.Id, "VmRSS"));
                    try
                    {
                        await Task.Delay(100, sampling.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }

                return highest;
            });
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(c => Task.Run(async () =>
            {
                latencies[c] = [];
                var random = new Random(c);
                while (until.Elapsed.TotalSeconds < seconds)
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
                    request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer[random.Next(bearer.Length)]);
                    var started = Stopwatch.GetTimestamp();
                    using var response = await http.SendAsync(request);
                    await response.Content.ReadAsByteArrayAsync();
                    response.EnsureSuccessStatusCode();
                    latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            })));
            await sampling.CancelAsync();
            var rss = await peak;
            var all = latencies.SelectMany(l => l).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-14} {all.Count / (double)seconds,8:F0} req/s  p50 {Percentile(all, 0.50):F2} ms  p99 {Percentile(all, 0.99):F2} ms  ({concurrency} client{(concurrency == 1 ? "" : "s")}, {all.Count:N0} requests)  peak RSS {rss / 1024.0:F0} MB"));
        }
    }

    /// <summary>`ledger serve` from this benchmark's own output (the Release build of Ledger.App), with the given keys.</summary>
    private static Process StartServer(string connectionString, BenchKeys keys, out Uri address)
    {
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            address = new Uri($"http://127.0.0.1:{((System.Net.IPEndPoint)probe.LocalEndpoint).Port}");
            probe.Stop();
        }

        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "ledger.dll"), "serve", "--connection", connectionString, "--urls", address.ToString().TrimEnd('/') },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in keys.Environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("ledger serve did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine("  ledger serve: " + line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitForHealthAsync(HttpClient http, Process server)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (server.HasExited)
            {
                throw new InvalidOperationException($"ledger serve exited with {server.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("ledger serve did not answer /health within 2 minutes");
    }

    private static string Resident(Process process) => string.Create(CultureInfo.InvariantCulture,
        $"{Kilobytes(process.Id, "VmRSS") / 1024.0:F0} MB (anonymous {Kilobytes(process.Id, "RssAnon") / 1024.0:F0} MB, files {Kilobytes(process.Id, "RssFile") / 1024.0:F0} MB)");

    private static string Status(int pid, string field) => string.Create(CultureInfo.InvariantCulture, $"{Kilobytes(pid, field) / 1024.0:F0} MB");

    /// <summary>A field of /proc/PID/status in kB (VmRSS, VmHWM, RssAnon, RssFile).</summary>
    private static long Kilobytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static LabReport Report(int index)
    {
        var collected = Instant.FromUtc(2025, 1, 1, 8, 0) + Duration.FromDays(index * 7);
        return new LabReport("ORD-" + index.ToString(CultureInfo.InvariantCulture), null, collected, collected + Duration.FromHours(4),
            Laboratory, "Смирнова О. В.",
            [
                new LabPanel(null, "Биохимия",
                [
                    new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2345-7")), "Глюкоза", 4.5m + (index % 10 / 5m), null, UcumUnit.Parse("mmol/L"),
                        new ReferenceRange(3.9m, 6.1m, null), AbnormalFlag.Parse(index % 10 > 7 ? "H" : "N"), ObservationStatus.Final, null),
                ]),
            ], null);
    }

    private static string SnilsFor(int index)
    {
        var digits = (200_000_000 + index).ToString("D9", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (digits[i] - '0') * (9 - i);
        }

        var check = sum < 100 ? sum : sum is 100 or 101 ? 0 : sum % 101 == 100 ? 0 : sum % 101;
        return digits + check.ToString("D2", CultureInfo.InvariantCulture);
    }

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private static int Argument(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
