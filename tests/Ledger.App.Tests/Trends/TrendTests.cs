using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Tests.Patients;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Trends;

public sealed class TrendTests
{
    [Fact]
    public async Task A_trend_has_one_series_per_unit_with_the_change_against_the_previous_value()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        await Seed.DocumentAsync(host, patient, Seed.Report("A", Instant.FromUtc(2025, 6, 1, 8, 0), glucose: 5.0m));
        await Seed.DocumentAsync(host, patient, Seed.Report("B", Instant.FromUtc(2026, 2, 1, 8, 0), glucose: 5.5m));
        await Seed.DocumentAsync(host, patient, Seed.Report("C", Instant.FromUtc(2026, 2, 27, 8, 0), glucose: 6.8m, glucoseFlag: "H"));
        await Seed.DocumentAsync(host, patient, Seed.Report("D", Instant.FromUtc(2026, 2, 28, 8, 0), glucose: 110m, glucoseUnit: "mg/dL"));
        await Seed.DocumentAsync(host, await Seed.PatientAsync(host), Seed.Report("E", Instant.FromUtc(2026, 2, 28, 8, 0), glucose: 1m));
        await Seed.CatchUpAsync(host);

        var all = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends/2345-7?period=all");
        var month = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends/2345-7?period=month");
        var week = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends/2345-7?period=week");

        var series = all.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("unit").GetString()!);
        Assert.Equal([5.0m, 5.5m, 6.8m], series["mmol/L"].GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDecimal()));
        Assert.Equal([0.5m, 1.3m], series["mmol/L"].GetProperty("points").EnumerateArray().Skip(1).Select(p => p.GetProperty("change").GetDecimal()));
        Assert.Equal("H", series["mmol/L"].GetProperty("points")[2].GetProperty("flag").GetString());
        Assert.Equal(3.9m, series["mmol/L"].GetProperty("points")[2].GetProperty("referenceLow").GetDecimal());
        Assert.Equal([110m], series["mg/dL"].GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDecimal()));
        Assert.Equal(2, month.GetProperty("series").GetArrayLength());
        Assert.Equal(2, month.GetProperty("series").EnumerateArray().First(s => s.GetProperty("unit").GetString() == "mmol/L").GetProperty("points").GetArrayLength());
        Assert.Equal(1.3m, week.GetProperty("series").EnumerateArray().First(s => s.GetProperty("unit").GetString() == "mmol/L").GetProperty("points")[0].GetProperty("change").GetDecimal());
    }

    [Fact]
    public async Task A_correction_replaces_the_document_points()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        var document = await Seed.DocumentAsync(host, patient, Seed.Report("A", glucose: 5.0m));
        await Seed.CorrectAsync(host, patient, document, Seed.Report("A", glucose: 4.2m));
        await Seed.CatchUpAsync(host);

        var trend = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends/2345-7");

        Assert.Equal([4.2m], trend.GetProperty("series")[0].GetProperty("points").EnumerateArray().Select(p => p.GetProperty("value").GetDecimal()));
    }

    [Fact]
    public async Task A_result_waiting_for_its_patient_gets_points_when_matched_from_its_latest_content()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        var document = await Seed.DocumentAsync(host, patient, Seed.Report("A", glucose: 5.0m), digest: new string('c', 64));
        await Seed.CorrectAsync(host, patient, document, Seed.Report("A", glucose: 4.6m));
        await Seed.CatchUpAsync(host);

        Assert.Equal(0L, await PointsAsync(host, document));

        await Seed.Executor(host).ExecuteAsync(
            Deciders.Result,
            document,
            new ResolveResultPatient(new DocumentId(document), new PatientId(patient)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await Seed.CatchUpAsync(host);

        Assert.Equal(1L, await PointsAsync(host, document));
        Assert.Equal([4.6m], await GlucoseAsync(client));

        // A later correction keeps the patient the document was matched to.
        await Seed.CorrectAsync(host, patient, document, Seed.Report("A", glucose: 4.9m));
        await Seed.CatchUpAsync(host);
        Assert.Equal([4.9m], await GlucoseAsync(client));
    }

    private static async Task<long> PointsAsync(LedgerHost host, Guid document)
    {
        await using var connection = new NpgsqlConnection(host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM ledger.trend_points WHERE document_id = @d AND loinc = '2345-7'", connection);
        command.Parameters.AddWithValue("d", document);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<decimal[]> GlucoseAsync(HttpClient client)
    {
        var trend = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/trends/2345-7");
        return trend.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("points").EnumerateArray()).Select(p => p.GetProperty("value").GetDecimal()).ToArray();
    }

    [Theory]
    [InlineData("/api/v1/patients/me/trends/2345-7?period=decade", "period")]
    [InlineData("/api/v1/patients/me/trends/2345-6", "loinc")]
    public async Task A_bad_trend_query_is_a_400(string url, string field)
    {
        await using var host = await LedgerHost.StartAsync();
        using var client = host.ClientAs(Roles.Patient, Guid.NewGuid());

        var response = await client.GetAsync(new Uri(url, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }
}
