using System.Diagnostics;
using System.Globalization;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
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
/// Cabinet list and trend queries over HTTP against the real app, with many patients: seeds patients and lab reports
/// through the command executor, waits for the projections, then runs concurrent clients for a while and reports
/// p50/p99 latency and throughput per query.
/// </summary>
public static class CabinetBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var patients = Argument(args, "--patients", 500);
        var documents = Argument(args, "--documents", 20);
        var seconds = Argument(args, "--seconds", 15);
        var clients = Argument(args, "--clients", 8);

        await using var host = await LedgerHost.StartAsync(clock: new FakeClock(SystemClock.Instance.GetCurrentInstant()));
        var executor = host.Services.GetRequiredService<CommandExecutor>();
        var today = host.Clock.GetCurrentInstant().InUtc().Date;
        var ids = new Guid[patients];
        var timer = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            int p;
            while ((p = Interlocked.Increment(ref next)) < patients)
            {
                var id = new PatientId(Guid.CreateVersion7());
                ids[p] = id.Value;
                await executor.ExecuteAsync(Deciders.Patient, id.Value,
                    new RegisterPatient(id, FullName.Create("Пациент", "Тест"), BirthDate.Create(new LocalDate(1980, 1, 1), today), Sex.Unknown, Snils.Parse(SnilsFor(p)), null, null, null),
                    new CommandContext(Guid.NewGuid(), EventMetadata.Empty, id.Value));
                for (var d = 0; d < documents; d++)
                {
                    var document = new DocumentId(Guid.CreateVersion7());
                    await executor.ExecuteAsync(Deciders.Result, document.Value,
                        new RecordLabResult(document, PatientRef.Resolved(id), new OrganizationId(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001")), "D-" + document.Value.ToString("N"), Report(d)),
                        new CommandContext(Guid.NewGuid(), EventMetadata.Empty, id.Value));
                }
            }
        })));
        Console.WriteLine($"seeded {patients:N0} patients × {documents} lab reports in {timer.Elapsed.TotalSeconds:F1} s");
        timer.Restart();
        await host.Services.GetRequiredService<ProjectionDaemon>().WaitForCatchUpAsync(TimeSpan.FromMinutes(30));
        Console.WriteLine($"projections caught up {timer.Elapsed.TotalSeconds:F1} s after seeding");

        foreach (var (name, path) in new[] { ("cabinet list", "/api/v1/patients/me/documents?pageSize=20"), ("trend (all)", "/api/v1/patients/me/trends/2345-7?period=all") })
        {
            var latencies = new List<double>[clients];
            var until = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                latencies[c] = [];
                var random = new Random(c);
                while (until.Elapsed.TotalSeconds < seconds)
                {
                    var patient = ids[random.Next(ids.Length)];
                    using var client = host.ClientAs(Roles.Patient, patient);
                    var started = Stopwatch.GetTimestamp();
                    using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
                    await response.Content.ReadAsByteArrayAsync();
                    response.EnsureSuccessStatusCode();
                    latencies[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            })));
            var all = latencies.SelectMany(l => l).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-14} {all.Count / (double)seconds,8:F0} req/s  p50 {Percentile(all, 0.50):F2} ms  p99 {Percentile(all, 0.99):F2} ms  ({clients} clients, {all.Count:N0} requests)"));
        }

        return 0;
    }

    private static LabReport Report(int index)
    {
        var collected = Instant.FromUtc(2025, 1, 1, 8, 0) + Duration.FromDays(index * 7);
        return new LabReport("ORD-" + index.ToString(CultureInfo.InvariantCulture), null, collected, collected + Duration.FromHours(4),
            new OrganizationId(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001")), "Смирнова О. В.",
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
