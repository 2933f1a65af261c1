using System.Net;
using System.Net.Http.Json;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Tests.Consents;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Patients;

public sealed class ErasureTests
{
    private static readonly string[] Tables = ["cabinet_documents", "trend_points", "fhir_observations", "access_journal", "consents_active", "cabinet_visits", "patient_identifiers"];

    // Tables the seeding of the purge test below does not fill (no account, no medical card entry, no delivered file), declared all the same.
    private static readonly string[] TablesWithoutSeed = ["account_logins", "sign_in_journal", "medical_card_entries", "attachment_files"];

    private static async Task<long> RowsAsync(LedgerHost host, string table, Guid patient)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM ledger.{table} WHERE patient_id = @p", connection);
        command.Parameters.AddWithValue("p", patient);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Every_read_model_table_with_a_patient_column_declares_it_so_erasure_purges_it()
    {
        await using var host = await LedgerHost.StartAsync(runBackgroundWork: false);
        var tables = host.Services.GetRequiredService<IReadOnlyList<EventStore.Projections.IInlineProjection>>().SelectMany(p => p.Tables)
            .Concat(host.Services.GetRequiredService<IReadOnlyList<EventStore.Projections.IProjection>>().SelectMany(p => p.Tables))
            .ToList();
        var erasure = host.Services.GetRequiredService<global::Ledger.App.Patients.PatientErasure>();

        var undeclared = tables.Where(t => t.CreateSql.Contains("patient_id", StringComparison.Ordinal) && t.PatientColumn is null && t.Name != global::Ledger.App.Patients.PatientErasure.Table).Select(t => t.Name).ToList();

        Assert.Empty(undeclared);
        Assert.Equal(Tables.Concat(TablesWithoutSeed).Order(StringComparer.Ordinal), erasure.PatientTables.Select(t => t.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Erasing_a_patient_purges_every_read_model_and_a_rebuild_keeps_them_out()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var survivor = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, patient);
        await Seed.DocumentAsync(host, survivor);
        using var client = host.ClientAs(Roles.Patient, patient);
        await ShareLinkTests.GrantAsync(client);
        await client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative));
        await client.GetAsync(new Uri("/api/v1/patients/me/documents", UriKind.Relative));
        await Seed.CatchUpAsync(host);
        foreach (var table in Tables)
        {
            Assert.True(await RowsAsync(host, table, patient) > 0, table);
        }

        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());
        var erased = await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        foreach (var table in Tables)
        {
            Assert.Equal(0, await RowsAsync(host, table, patient));
        }

        var daemon = host.Services.GetRequiredService<ProjectionOperations>();
        foreach (var name in new[] { "cabinet", "trends", "access_journal" })
        {
            await daemon.RebuildAsync(name);
        }

        await Seed.CatchUpAsync(host);
        foreach (var table in Tables)
        {
            Assert.Equal(0, await RowsAsync(host, table, patient));
        }

        Assert.True(await RowsAsync(host, "cabinet_documents", survivor) > 0);
        Assert.True(await host.Services.GetRequiredService<DataKeyProtector>().IsDestroyedAsync(patient));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative))).StatusCode);

        // The shredding is itself an event, readable in the clear at the end of the patient's stream.
        var store = host.Services.GetRequiredService<EventStore.EventStore>();
        var stream = await store.ReadStreamAsync(patient);
        Assert.True(stream[0].IsErased);
        var record = Assert.IsType<Domain.Patients.PatientErased>(store.Deserialize(stream[^1]));
        Assert.Equal(patient, record.PatientId.Value);
        var (state, _) = await store.AggregateAsync(Deciders.Patient, patient);
        Assert.True(state.Erased);
    }

    [Fact]
    public async Task A_second_purge_after_the_key_cache_ttl_removes_rows_a_node_wrote_meanwhile()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid(), Duration.FromDays(1));
        await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null);

        // A node that still had the key cached wrote a visit row after the first purge.
        await using (var connection = new NpgsqlConnection(host.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO ledger.cabinet_visits (patient_id, last_visit_at) VALUES (@p, now())", connection);
            insert.Parameters.AddWithValue("p", patient);
            await insert.ExecuteNonQueryAsync();
        }

        Assert.Equal(1, await RowsAsync(host, "cabinet_visits", patient));
        host.Clock.Advance(host.Services.GetRequiredService<DataKeyProtector>().CacheTtl + Duration.FromSeconds(10));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await RowsAsync(host, "cabinet_visits", patient) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, await RowsAsync(host, "cabinet_visits", patient));
    }

    [Fact]
    public async Task A_batch_that_decrypted_before_the_erasure_leaves_no_rows_of_the_erased_patient()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var digest = new string('b', 64);

        // The erasure is recorded while the projections still read decryptable events of the patient (a batch in flight).
        await using (var connection = new NpgsqlConnection(host.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("INSERT INTO ledger.patient_erasures (patient_id, digests, erased_at) VALUES (@p, @d, now())", connection);
            insert.Parameters.AddWithValue("p", patient);
            insert.Parameters.AddWithValue("d", new[] { digest });
            await insert.ExecuteNonQueryAsync();
        }

        await Seed.DocumentAsync(host, patient);
        await Seed.DocumentAsync(host, patient, digest: digest);
        await Seed.CatchUpAsync(host);

        Assert.Equal(0, await RowsAsync(host, "cabinet_documents", patient));
        Assert.Equal(0, await RowsAsync(host, "trend_points", patient));
        await using var check = new NpgsqlConnection(host.ConnectionString);
        await check.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM ledger.cabinet_documents WHERE identifier_digest = @d", check);
        count.Parameters.AddWithValue("d", digest);
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Only_an_admin_erases_and_an_unknown_patient_is_a_404()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var support = host.ClientAs(Roles.Support, Guid.NewGuid());
        using var admin = host.ClientAs(Roles.Admin, Guid.NewGuid());

        var bySupport = await support.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null);
        var unknown = await admin.PostAsync(new Uri($"/api/v1/patients/{Guid.NewGuid()}/erase", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Forbidden, bySupport.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri($"/api/v1/patients/{patient}/erase", UriKind.Relative), null)).StatusCode);
    }
}
