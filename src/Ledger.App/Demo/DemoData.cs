using Ledger.App.Identity;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Demo;

/// <summary>
/// A small, fictitious data set for trying the ledger out: one laboratory (confirmed and enabled for delivery),
/// one patient and two blood tests a month apart, and the patient's sign-in account with a published password,
/// authenticator secret and recovery codes (docs/identity.md), so that anyone can sign in to the demo. Seeding is idempotent (fixed ids, commands with fixed ids):
/// running it again changes nothing.
/// </summary>
public sealed class DemoData(CommandExecutor commands, TokenService tokens, IClock clock)
{
    public static readonly OrganizationId Laboratory = new(Guid.Parse("0d3e0000-0000-4000-8000-000000000001"));
    public static readonly PatientId Patient = new(Guid.Parse("0d3e0000-0000-4000-8000-000000000002"));
    public static readonly DocumentId FirstTest = new(Guid.Parse("0d3e0000-0000-4000-8000-000000000003"));
    public static readonly DocumentId SecondTest = new(Guid.Parse("0d3e0000-0000-4000-8000-000000000004"));

    /// <summary>The demo patient's login (docs/identity.md).</summary>
    public const string Login = "demo";

    /// <summary>The demo patient's password: published, so the demo must never hold real data.</summary>
    public const string Password = "Zdorovie-2026";

    /// <summary>The demo patient's authenticator secret (base32): add it to an authenticator app, or compute codes from it.</summary>
    public const string TotpSecret = "LEDGERDEMOSECRETLEDGERDEMOSECRET";

    /// <summary>The demo patient's recovery codes, each usable once.</summary>
    public static IReadOnlyList<string> RecoveryCodeList { get; } = [.. Enumerable.Range(1, 10).Select(i => $"DEMO{i % 10}-CODE{i % 10}")];

    private static readonly EventMetadata Metadata = new(ActorKind: "system", ActorId: "demo");

    public async Task SeedAsync(TextWriter output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var now = clock.GetCurrentInstant();
        var today = now.InUtc().Date;
        var inn = Inn.Parse("7707083893");
        var ogrn = Ogrn.Parse("1027700132195");
        const string oid = "1.2.643.5.1.13.13.12.2.77.7973";
        var registry = new OrganizationRegistry([new RegistryEntry(ogrn, inn, "Демо-лаборатория", OrganizationType.Laboratory, oid)]);

        await RunAsync(Deciders.Organization, Laboratory.Value, new RegisterOrganization(Laboratory, inn, ogrn, OrganizationType.Laboratory, "Демо-лаборатория", oid), 1, null, cancellationToken);
        await RunAsync(Deciders.Organization, Laboratory.Value, new VerifyOrganization(Laboratory, registry), 2, null, cancellationToken);
        await RunAsync(Deciders.Organization, Laboratory.Value, new EnableDelivery(Laboratory), 3, null, cancellationToken);
        await RunAsync(
            Deciders.Patient,
            Patient.Value,
            new RegisterPatient(Patient, FullName.Create("Демонстрационная", "Анна", "Сергеевна"), BirthDate.Create(new LocalDate(1985, 4, 12), today), Sex.Female, Snils.Parse("112-233-445 95"), null, Email.Parse("anna@example.org"), PhoneNumber.Parse("+79160000000")),
            4,
            Patient.Value,
            cancellationToken);
        await RunAsync(Deciders.Result, FirstTest.Value, new RecordLabResult(FirstTest, PatientRef.Resolved(Patient), Laboratory, "DEMO-1", BloodTest("DEMO-0001", now - Duration.FromDays(31), 5.4m, 128m)), 5, Patient.Value, cancellationToken);
        await RunAsync(Deciders.Result, SecondTest.Value, new RecordLabResult(SecondTest, PatientRef.Resolved(Patient), Laboratory, "DEMO-2", BloodTest("DEMO-0002", now - Duration.FromDays(1), 6.4m, 118m)), 6, Patient.Value, cancellationToken);

        // The account, its authenticator confirmed by the code of the step before now (so the current code is still unused).
        await RunAsync(Deciders.Account, StreamIds.Account(Patient), new OpenAccount(Patient, Login, PasswordHasher.Hash(Password, AccountDecider.MinimumIterations)), 7, Patient.Value, cancellationToken);
        await RunAsync(Deciders.Account, StreamIds.Account(Patient), new StartTotpEnrolment(Patient, TotpSecret), 8, Patient.Value, cancellationToken);
        var previousStep = TotpCodes.Match(TotpSecret, TotpCodes.Compute(TotpSecret, now - Duration.FromSeconds(TotpCodes.StepSeconds)), now);
        await RunAsync(
            Deciders.Account,
            StreamIds.Account(Patient),
            new ConfirmTotpEnrolment(Patient, new SignInClient(null, null), previousStep, [.. RecoveryCodeList.Select(c => RecoveryCodes.Hash(Patient, c))], SignsIn: false, LockoutPolicy.Default),
            9,
            Patient.Value,
            cancellationToken);

        await output.WriteLineAsync($"demo data: laboratory {Laboratory}, patient {Patient}, documents {FirstTest} and {SecondTest}");
        await output.WriteLineAsync($"demo patient token: {tokens.Issue(Roles.Patient, Patient.Value, Duration.FromHours(12))}");
        await output.WriteLineAsync($"demo sign-in: login {Login}, password {Password}, authenticator secret {TotpSecret} (docs/identity.md)");
        await output.WriteLineAsync($"demo admin token:   {tokens.Issue(Roles.Admin, Guid.Parse("0d3e0000-0000-4000-8000-0000000000ad"), Duration.FromHours(12))}");
    }

    private static LabReport BloodTest(string order, Instant collected, decimal glucose, decimal hemoglobin) => new(
        order,
        order + "-S",
        collected,
        collected + Duration.FromHours(6),
        Laboratory,
        "Смирнова О. В.",
        [
            new LabPanel(null, "Биохимический анализ крови", [
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2345-7")), "Глюкоза", glucose, null, UcumUnit.Parse("mmol/L"), new ReferenceRange(3.9m, 6.1m, null), AbnormalFlag.Parse(glucose > 6.1m ? "H" : "N"), ObservationStatus.Final, null),
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("718-7")), "Гемоглобин", hemoglobin, null, UcumUnit.Parse("g/L"), new ReferenceRange(120m, 140m, null), AbnormalFlag.Parse(hemoglobin < 120m ? "L" : "N"), ObservationStatus.Final, null),
            ]),
        ],
        null);

    private Task RunAsync<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider, Guid stream, TCommand command, int step, Guid? encryptFor, CancellationToken cancellationToken)
        where TEvent : class =>
        commands.ExecuteAsync(decider, stream, command, new CommandContext(new Guid($"0d3e0000-0000-4000-8000-1000000000{step:D2}"), Metadata, encryptFor), cancellationToken);
}
