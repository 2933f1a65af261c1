using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Patients;

/// <summary>Seeds patients and documents through the real app, and reads back what was recorded.</summary>
internal static class Seed
{
    public static readonly OrganizationId Lab = new(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001"));
    private static int snilsCounter = 100_000_000;

    /// <summary>A fresh valid СНИЛС.</summary>
    public static string NewSnils() => TestSnils.Of(Interlocked.Increment(ref snilsCounter));

    public static object RegisterBody(string? snils = null) => new
    {
        surname = "Иванова",
        givenName = "Мария",
        patronymic = "Петровна",
        birthDate = "1980-05-17",
        sex = "female",
        snils = snils ?? NewSnils(),
        email = "maria@example.org",
        phone = "+7 900 123-45-67",
    };

    public static async Task<Guid> PatientAsync(LedgerHost host)
    {
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());
        var response = await admin.PostAsJsonAsync("/api/v1/patients", RegisterBody());
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid();
    }

    public static LabReport Report(
        string order = "ORD-1",
        Instant? collected = null,
        decimal glucose = 5.4m,
        string glucoseUnit = "mmol/L",
        string? glucoseFlag = "N",
        string specialist = "Смирнова О. В.",
        string panel = "Биохимический анализ крови") => new(
        order,
        "SP-" + order,
        collected ?? Instant.FromUtc(2026, 2, 1, 6, 30),
        (collected ?? Instant.FromUtc(2026, 2, 1, 6, 30)) + Duration.FromHours(5),
        Lab,
        specialist,
        [
            new LabPanel(null, panel,
            [
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2345-7")), "Глюкоза", glucose, null, UcumUnit.Parse(glucoseUnit),
                    new ReferenceRange(3.9m, 6.1m, null), glucoseFlag is null ? null : AbnormalFlag.Parse(glucoseFlag), ObservationStatus.Final, null),
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2093-3")), "Холестерин", 6.2m, null, UcumUnit.Parse("mmol/L"),
                    new ReferenceRange(null, 5.2m, null), AbnormalFlag.Parse("H"), ObservationStatus.Final, null),
            ]),
        ],
        null);

    public static async Task<Guid> DocumentAsync(LedgerHost host, Guid patient, LabReport? report = null, string? digest = null)
    {
        var document = new DocumentId(Guid.CreateVersion7());
        var patientRef = digest is null ? PatientRef.Resolved(new PatientId(patient)) : PatientRef.Unresolved(digest);
        await Executor(host).ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordLabResult(document, patientRef, Lab, "DLV-" + document.Value.ToString("N"), report ?? Report()),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        return document.Value;
    }

    public static async Task<Guid> StudyAsync(LedgerHost host, Guid patient, Modality modality = Modality.US, string specialist = "Петров А. А.")
    {
        var document = new DocumentId(Guid.CreateVersion7());
        await Executor(host).ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordInstrumentalStudy(document, PatientRef.Resolved(new PatientId(patient)), Lab, "DLV-" + document.Value.ToString("N"),
                new InstrumentalStudy(modality, "брюшная полость", Instant.FromUtc(2026, 2, 10, 9, 0), "Протокол", "Без патологии", null, specialist, [])),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        return document.Value;
    }

    public static Task CorrectAsync(LedgerHost host, Guid patient, Guid document, ResultContent content, string reason = "ошибка ввода") =>
        Executor(host).ExecuteAsync(
            Deciders.Result,
            document,
            new CorrectResult(new DocumentId(document), Lab, "FIX-" + Guid.NewGuid().ToString("N"), content, reason),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));

    public static Task CatchUpAsync(LedgerHost host) =>
        host.Services.GetRequiredService<ProjectionOperations>().WaitForCatchUpAsync(TimeSpan.FromSeconds(30));

    public static CommandExecutor Executor(LedgerHost host) => host.Services.GetRequiredService<CommandExecutor>();

    public static EventStore.EventStore Store(LedgerHost host) => host.Services.GetRequiredService<EventStore.EventStore>();

    /// <summary>The decrypted events of the patient's access stream.</summary>
    public static async Task<IReadOnlyList<object>> AccessEventsAsync(LedgerHost host, Guid patient)
    {
        var store = Store(host);
        var events = await store.ReadStreamAsync(StreamIds.Access(new PatientId(patient)));
        return events.Select(store.Deserialize).ToList();
    }

    public static async Task<IReadOnlyList<AccessDenied>> DenialsAsync(LedgerHost host, Guid patient) =>
        (await AccessEventsAsync(host, patient)).OfType<AccessDenied>().ToList();

    public static async Task<IReadOnlyList<RecordAccessed>> AccessesAsync(LedgerHost host, Guid patient) =>
        (await AccessEventsAsync(host, patient)).OfType<RecordAccessed>().ToList();
}
