using Ledger.App.Hosting;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.EventStore;
using Ledger.EventStore.Protection;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.AtRest;

/// <summary>
/// Every event type of the domain written for one patient through the real store, then the raw tables read as a
/// DBA or a backup would see them: no personal or clinical content appears in any column.
/// </summary>
public sealed class PatientDataAtRestTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly string[] Secrets =
    [
        "Иванова", "Мария", "Петровна", // the patient's name
        "11223344595", "112-233-445 95", // the patient's СНИЛС
        "00143754400", "001-437-544 00", // the doctor's СНИЛС
        "7700000012345678", // ЕНП
        "1984-06-02", // birth date
        "maria@example.org", "+79161234567", "916 123", // contacts
        "Глюкоза", "5.4", "5.6", "3.9", "6.1", "не обнаружено", // analytes and values
        "Эхопризнаков патологии не выявлено", "Печень не увеличена", // a conclusion and a protocol
        "Смирнова", "Аторвастатин", "Гам-КОВИД-Вак", "ORD-2025-000123", "Консультация",
        "maria.ivanova", "c2FsdHNhbHRzYWx0c2FsdA", "GEZDGNBVGY3TQOJQ", "6f1ed002ab5595859014ebf0951522d9", // a login, a password salt, a TOTP secret, a recovery code hash
        "198.51.100.23", "Firefox/140.0", // the address and browser of a sign-in
        "Сахарный диабет", "E11.9", "пенициллин", "91936005", "крапивница", // a condition and an allergy of the medical card
    ];

    [Fact]
    public async Task The_raw_tables_hold_no_name_identifier_contact_value_or_conclusion_of_the_patient()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var clock = FakeClock.At(2025, 3, 14);
        var protector = new DataKeyProtector(dataSource, "atrest", LedgerKeys.Ephemeral().MasterKeys, clock);
        await using var store = new EventStore.EventStore(dataSource, LedgerComposition.CreateRegistry(), clock, new EventStoreOptions { Schema = "atrest" }, protector);
        await store.MigrateAsync();

        foreach (var descriptor in EventCatalogue.All)
        {
            var sample = SampleEvents.ByType[descriptor.ClrType];
            var stream = descriptor.StreamKind switch
            {
                StreamIds.PatientKind => StreamIds.Patient(Samples.Patient),
                StreamIds.ResultKind => StreamIds.Result(Samples.Document),
                StreamIds.ConsentKind => StreamIds.Consent(Samples.Consent),
                StreamIds.AccessKind => StreamIds.Access(Samples.Patient),
                StreamIds.OrganizationKind => StreamIds.Organization(Samples.Lab),
                StreamIds.DeliveryRefusalKind => StreamIds.DeliveryRefusals(Samples.Lab.Value),
                StreamIds.AccountKind => StreamIds.Account(Samples.Patient),
                StreamIds.MedicalCardKind => StreamIds.MedicalCard(Samples.Patient),
                _ => throw new InvalidOperationException($"no stream for kind {descriptor.StreamKind}"),
            };
            var metadata = new EventMetadata(Guid.NewGuid(), null, "system", "test");
            await store.AppendAsync(stream, descriptor.StreamKind, ExpectedVersion.Any, [new EventToAppend(Guid.NewGuid(), sample, metadata)], new AppendOptions { EncryptFor = descriptor.PatientScoped ? Samples.Patient.Value : null });
        }

        var rows = await StoredTextAsync(dataSource, "TRUE");
        Assert.Equal(EventCatalogue.All.Count, rows.Count(r => r.StartsWith("mt_events:", StringComparison.Ordinal)));
        var leaks = Secrets.SelectMany(secret => rows.Where(r => r.Contains(secret, StringComparison.OrdinalIgnoreCase)).Select(r => $"'{secret}' in {r[..Math.Min(r.Length, 120)]}")).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));

        // The check can fail: the same scan finds the values once they are written in the clear.
        var plain = SampleEvents.ByType[typeof(Domain.Patients.PatientRegistered)];
        var control = Guid.NewGuid();
        await store.AppendAsync(control, StreamIds.PatientKind, ExpectedVersion.NoStream, [EventToAppend.New(plain)]);
        var clear = string.Join("\n", await StoredTextAsync(dataSource, $"stream_id = '{control}'", "mt_events"));
        Assert.Contains("Иванова", clear, StringComparison.Ordinal);
        Assert.Contains(Secrets[3..5], s => clear.Contains(s, StringComparison.Ordinal));
        Assert.Contains("maria@example.org", clear, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every row of the event, stream and key tables as PostgreSQL prints it, and every bytea column of it decoded as
    /// UTF-8 (so a value stored in the clear inside a binary column is found too). Wolverine's message tables are
    /// scanned by the at-rest test of the running application (Messaging), where a host runs Wolverine.
    /// </summary>
    private static async Task<List<string>> StoredTextAsync(NpgsqlDataSource dataSource, string where, params string[] only)
    {
        var rows = new List<string>();
        foreach (var table in only.Length > 0 ? only : ["mt_events", "mt_streams", "data_keys"])
        {
            await using var command = dataSource.CreateCommand($"SELECT t::text, {(table == "mt_events" ? "t.bdata" : "NULL::bytea")} FROM atrest.{table} t WHERE {(table == "mt_events" ? where : "TRUE")}");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var binary = reader.IsDBNull(1) ? string.Empty : System.Text.Encoding.UTF8.GetString(reader.GetFieldValue<byte[]>(1));
                // Timestamps are left out of the search: their random digits could contain a short value by chance.
                var text = System.Text.RegularExpressions.Regex.Replace(reader.GetString(0), @"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)?\+\d{2}", "<time>");
                rows.Add($"{table}: {text} {binary}");
            }
        }

        return rows;
    }

    [Fact]
    public async Task After_shredding_the_patient_s_events_read_as_erased_and_the_chain_still_verifies()
    {
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var clock = FakeClock.At(2025, 3, 14);
        var protector = new DataKeyProtector(dataSource, "shred", LedgerKeys.Ephemeral().MasterKeys, clock);
        await using var store = new EventStore.EventStore(dataSource, LedgerComposition.CreateRegistry(), clock, new EventStoreOptions { Schema = "shred" }, protector);
        await store.MigrateAsync();
        var patientStream = StreamIds.Patient(Samples.Patient);
        var resultStream = StreamIds.Result(Samples.Document);
        var encrypt = new AppendOptions { EncryptFor = Samples.Patient.Value };
        await store.AppendAsync(patientStream, StreamIds.PatientKind, ExpectedVersion.NoStream, [EventToAppend.New(SampleEvents.ByType[typeof(Domain.Patients.PatientRegistered)])], encrypt);
        await store.AppendAsync(resultStream, StreamIds.ResultKind, ExpectedVersion.NoStream, [EventToAppend.New(SampleEvents.ByType[typeof(Domain.Results.LabResultArrived)])], encrypt);
        await store.AppendAsync(StreamIds.Organization(Samples.Lab), StreamIds.OrganizationKind, ExpectedVersion.NoStream, [EventToAppend.New(SampleEvents.ByType[typeof(Domain.Organizations.OrganizationRegistered)])]);

        Assert.True(await protector.DestroyKeyAsync(Samples.Patient.Value));

        var (patient, version) = await store.AggregateAsync(Deciders.Patient, patientStream);
        var result = await store.ReadStreamAsync(resultStream);
        var organization = await store.ReadStreamAsync(StreamIds.Organization(Samples.Lab));
        Assert.Equal(Domain.Patients.PatientState.Initial, patient);
        Assert.Equal(1, version);
        Assert.True(Assert.Single(result).IsErased);
        Assert.Null(result[0].Data);
        Assert.False(Assert.Single(organization).IsErased);
        Assert.True((await new EventStore.Verification.StoreVerifier(dataSource, "shred").VerifyAsync()).IsClean);
        await Assert.ThrowsAsync<SubjectErasedException>(() => store.AppendAsync(resultStream, StreamIds.ResultKind, ExpectedVersion.Any, [EventToAppend.New(SampleEvents.ByType[typeof(Domain.Results.ResultStatusChanged)])], encrypt));
    }
}
