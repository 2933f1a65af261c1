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
using Npgsql;

namespace Ledger.Benchmarks;

/// <summary>
/// <c>GET /fhir/r4/Observation?code=…</c> for one patient with five years of monthly panels (60 reports of 20
/// observations: 1,200 observations) on a durable PostgreSQL, one client, p50/p99; beside it the same query on
/// <c>fhir_observations</c> over a raw Npgsql connection (the baseline: what the database alone costs).
/// </summary>
public static class FhirBenchmark
{
    private static readonly OrganizationId Laboratory = new(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001"));

    private static readonly string[] Codes =
    [
        "2345-7", "2093-3", "2085-9", "13457-7", "2571-8", "2160-0", "3094-0", "1742-6", "1920-8", "1975-2",
        "2823-3", "2951-2", "718-7", "789-8", "6690-2", "777-3", "4544-3", "4548-4", "3016-3", "2339-0",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var months = Argument(args, "--months", 60);
        var seconds = Argument(args, "--seconds", 20);

        await using var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(Durable: true));
        Console.WriteLine("PostgreSQL: a durable cluster started for this run (fsync=on, synchronous_commit=on, full_page_writes=on)");
        // One patient asks for as long as the run lasts: the per-subject rate limit (600 a minute by default) is off here.
        await using var host = await LedgerHost.StartAsync(b => b.Configuration["Ledger:Http:RateLimits:Subject:PermitLimit"] = "0", clock: new FakeClock(SystemClock.Instance.GetCurrentInstant()), cluster: cluster);
        var executor = host.Services.GetRequiredService<CommandExecutor>();
        var today = host.Clock.GetCurrentInstant().InUtc().Date;
        var patient = new PatientId(Guid.CreateVersion7());
        await executor.ExecuteAsync(Deciders.Patient, patient.Value,
            new RegisterPatient(patient, FullName.Create("Пациент", "Тест"), BirthDate.Create(new LocalDate(1980, 1, 1), today), Sex.Unknown, Snils.Parse("112-233-445 95"), null, null, null),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient.Value));
        var timer = Stopwatch.StartNew();
        var start = host.Clock.GetCurrentInstant() - Duration.FromDays(months * 30 + 1);
        for (var m = 0; m < months; m++)
        {
            var document = new DocumentId(Guid.CreateVersion7());
            await executor.ExecuteAsync(Deciders.Result, StreamIds.Result(document),
                new RecordLabResult(document, PatientRef.Resolved(patient), Laboratory, "D-" + document.Value.ToString("N"), Report(m, start + Duration.FromDays(m * 30)), ResultRelease.Final),
                new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient.Value));
        }

        await host.Services.GetRequiredService<ProjectionOperations>().WaitForCatchUpAsync(TimeSpan.FromMinutes(10));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded one patient with {months} monthly panels × {Codes.Length} observations = {months * Codes.Length:N0} observations in {timer.Elapsed.TotalSeconds:F0} s"));

        var token = host.Services.GetRequiredService<TokenService>().Issue(Roles.Patient, patient.Value, Duration.FromHours(2));
        using var http = new HttpClient { BaseAddress = host.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        var random = new Random(1);
        var api = await MeasureAsync(seconds, async () =>
        {
            using var response = await http.GetAsync(new Uri("/fhir/r4/Observation?code=http://loinc.org|" + Codes[random.Next(Codes.Length)], UriKind.Relative));
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
        });
        Report("fhir Observation?code (HTTP)", api, seconds);

        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        var raw = await MeasureAsync(seconds, async () =>
        {
            await using var command = dataSource.CreateCommand("""
                SELECT document_id, seq, organization_id, effective_at, issued_at, version, observation, count(*) OVER ()
                FROM ledger.fhir_observations WHERE patient_id = @p AND code_system = @s AND code = @c
                ORDER BY effective_at DESC, document_id, seq LIMIT 50
                """);
            command.Parameters.AddWithValue("p", patient.Value);
            command.Parameters.AddWithValue("s", ObservationCode.LoincSystem);
            command.Parameters.AddWithValue("c", Codes[random.Next(Codes.Length)]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                _ = reader.GetString(6);
            }
        });
        Report("raw PostgreSQL (same query)", raw, seconds);
        return 0;
    }

    private static async Task<List<double>> MeasureAsync(int seconds, Func<Task> query)
    {
        // A short warm-up, not counted.
        for (var i = 0; i < 20; i++)
        {
            await query();
        }

        var latencies = new List<double>();
        var until = Stopwatch.StartNew();
        while (until.Elapsed.TotalSeconds < seconds)
        {
            var started = Stopwatch.GetTimestamp();
            await query();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        latencies.Sort();
        return latencies;
    }

    private static void Report(string name, List<double> sorted, int seconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-30} {sorted.Count / (double)seconds,8:F0} req/s  p50 {Percentile(sorted, 0.50):F2} ms  p99 {Percentile(sorted, 0.99):F2} ms  (1 client, {sorted.Count:N0} requests)"));

    private static LabReport Report(int month, Instant collected) => new(
        "ORD-" + month.ToString(CultureInfo.InvariantCulture), null, collected, collected + Duration.FromHours(4), Laboratory, "Смирнова О. В.",
        [
            new LabPanel(null, "Биохимия и общий анализ",
            [
                .. Codes.Select((code, i) => new LabObservation(ObservationCode.Loinc(LoincCode.Parse(code)), "Показатель " + code, 4.5m + ((month + i) % 10 / 5m), null, UcumUnit.Parse("mmol/L"),
                    new ReferenceRange(3.9m, 6.1m, null), AbnormalFlag.Parse((month + i) % 10 > 7 ? "H" : "N"), ObservationStatus.Final, null)),
            ]),
        ], null);

    private static double Percentile(List<double> sorted, double q) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];

    private static int Argument(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
