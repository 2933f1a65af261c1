using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Cabinet;

public sealed class CabinetTests
{
    private static async Task<(LedgerHost Host, Guid Patient, HttpClient Client, Dictionary<string, Guid> Documents)> SeededAsync()
    {
        var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var documents = new Dictionary<string, Guid>
        {
            ["january"] = await Seed.DocumentAsync(host, patient, Seed.Report("ORD-JAN", Instant.FromUtc(2026, 1, 10, 8, 0), specialist: "Смирнова О. В.")),
            ["february"] = await Seed.DocumentAsync(host, patient, Seed.Report("ORD-FEB", Instant.FromUtc(2026, 2, 10, 8, 0), glucose: 7.1m, glucoseFlag: "H", specialist: "Кузнецов И. И.")),
            ["cbc"] = await Seed.DocumentAsync(host, patient, Seed.Report("ORD-CBC", Instant.FromUtc(2026, 2, 20, 8, 0), panel: "Общий анализ крови") with
            {
                Panels = [new LabPanel(ObservationCode.Loinc(LoincCode.Parse("58410-2")), "Общий анализ крови",
                    [new LabObservation(ObservationCode.Loinc(LoincCode.Parse("718-7")), "Гемоглобин", 131m, null, UcumUnit.Parse("g/L"), null, null, ObservationStatus.Final, null)])],
            }),
            ["ultrasound"] = await Seed.StudyAsync(host, patient, Modality.US, "Петров А. А."),
        };
        await Seed.DocumentAsync(host, await Seed.PatientAsync(host), Seed.Report("ORD-OTHER"));
        await Seed.CatchUpAsync(host);
        return (host, patient, host.ClientAs(Roles.Patient, patient, Duration.FromDays(1)), documents);
    }

    private static async Task<List<Guid>> IdsAsync(HttpClient client, string query)
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents" + query);
        return page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("documentId").GetGuid()).ToList();
    }

    [Fact]
    public async Task The_cabinet_lists_own_documents_newest_first_with_kinds_and_out_of_range_counts()
    {
        var (host, _, client, d) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");
        var items = page.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal([d["cbc"], d["ultrasound"], d["february"], d["january"]], items.Select(i => i.GetProperty("documentId").GetGuid()));
        Assert.Equal(4, page.GetProperty("total").GetInt64());
        Assert.Equal("blood", items[0].GetProperty("kind").GetString());
        Assert.Equal("instrumental", items[1].GetProperty("kind").GetString());
        Assert.Equal("us", items[1].GetProperty("modality").GetString());
        Assert.Equal("biochemistry", items[2].GetProperty("kind").GetString());
        Assert.Equal(2, items[2].GetProperty("outOfRange").GetInt32());
        Assert.Equal(1, items[3].GetProperty("outOfRange").GetInt32());
    }

    [Theory]
    [InlineData("?from=2026-02-01&to=2026-02-15", "ultrasound,february")]
    [InlineData("?type=instrumentalStudy", "ultrasound")]
    [InlineData("?kind=blood", "cbc")]
    [InlineData("?kind=biochemistry", "february,january")]
    [InlineData("?modality=us", "ultrasound")]
    [InlineData("?status=pending&type=labReport", "cbc,february,january")]
    [InlineData("?status=ready", "")]
    [InlineData("?q=ord-feb", "february")]
    [InlineData("?q=SP-ORD-JAN", "january")]
    [InlineData("?q=гемоглобин", "cbc")]
    [InlineData("?q=КУЗНЕЦОВ", "february")]
    [InlineData("?q=петров", "ultrasound")]
    [InlineData("?q=ORD-OTHER", "")]
    [InlineData("?pageSize=2", "cbc,ultrasound")]
    [InlineData("?pageSize=2&page=2", "february,january")]
    [InlineData("?pageSize=2&page=3", "")]
    public async Task Filters_search_and_paging(string query, string expected)
    {
        var (host, _, client, d) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var ids = await IdsAsync(client, query);

        Assert.Equal(expected.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(k => d[k]), ids);
    }

    [Theory]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?pageSize=1000", "pageSize")]
    [InlineData("?page=0", "page")]
    [InlineData("?organization=lab", "organization")]
    public async Task A_bad_filter_is_a_400_naming_it(string query, string field)
    {
        await using var host = await LedgerHost.StartAsync();
        using var client = host.ClientAs(Roles.Patient, Guid.NewGuid());

        var response = await client.GetAsync(new Uri("/api/v1/patients/me/documents" + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Documents_arrived_since_the_last_visit_are_marked_new()
    {
        var (host, patient, client, _) = await SeededAsync();
        await using var _h = host;
        using var _c = client;

        var first = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");
        host.Clock.Advance(Duration.FromHours(1));
        var fresh = await Seed.DocumentAsync(host, patient, Seed.Report("ORD-NEW", Instant.FromUtc(2026, 1, 1, 8, 0)));
        await Seed.CatchUpAsync(host);
        host.Clock.Advance(Duration.FromHours(1));
        var second = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");

        Assert.All(first.GetProperty("items").EnumerateArray(), i => Assert.True(i.GetProperty("isNew").GetBoolean()));
        Assert.Equal([fresh], second.GetProperty("items").EnumerateArray().Where(i => i.GetProperty("isNew").GetBoolean()).Select(i => i.GetProperty("documentId").GetGuid()));
        Assert.NotEqual(JsonValueKind.Null, second.GetProperty("lastVisitAt").ValueKind);
    }

    [Fact]
    public async Task A_document_for_an_unresolved_identifier_stays_out_until_it_is_resolved()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        var document = await Seed.DocumentAsync(host, patient, digest: new string('a', 64));
        await Seed.CatchUpAsync(host);
        Assert.Empty(await IdsAsync(client, string.Empty));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative))).StatusCode);

        await Seed.Executor(host).ExecuteAsync(
            Deciders.Result, document, new ResolveResultPatient(new DocumentId(document), new PatientId(patient)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await Seed.CatchUpAsync(host);

        Assert.Equal([document], await IdsAsync(client, string.Empty));
    }

    [Fact]
    public async Task Reading_a_document_is_recorded_and_corrections_keep_every_version()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        using var stranger = host.ClientAs(Roles.Patient, await Seed.PatientAsync(host));
        var document = await Seed.DocumentAsync(host, patient, Seed.Report("ORD-9", glucose: 5.0m));
        await Seed.CorrectAsync(host, patient, document, Seed.Report("ORD-9", glucose: 9.9m, glucoseFlag: "HH"));
        await Seed.CatchUpAsync(host);

        var detail = await client.GetFromJsonAsync<JsonElement>($"/api/v1/patients/me/documents/{document}");
        var versions = await client.GetFromJsonAsync<JsonElement>($"/api/v1/patients/me/documents/{document}/versions");
        var row = (await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents")).GetProperty("items")[0];
        var foreign = await stranger.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative));

        Assert.Equal(2, detail.GetProperty("version").GetInt32());
        Assert.Equal(9.9m, detail.GetProperty("content").GetProperty("panels")[0].GetProperty("observations")[0].GetProperty("value").GetDecimal());
        Assert.Equal([1, 2], versions.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("number").GetInt32()));
        Assert.Equal("ошибка ввода", versions.GetProperty("versions")[1].GetProperty("correctionReason").GetString());
        Assert.Equal(1, row.GetProperty("corrections").GetInt32());
        Assert.Equal(2, row.GetProperty("outOfRange").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.DoesNotContain("ORD-9", await foreign.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var accesses = await Seed.AccessesAsync(host, patient);
        Assert.Equal(2, accesses.Count);
        Assert.All(accesses, a => Assert.Equal(document, a.DocumentId!.Value.Value));
    }

    [Fact]
    public async Task Concurrent_reads_are_all_recorded()
    {
        await using var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        using var client = host.ClientAs(Roles.Patient, patient);
        var document = await Seed.DocumentAsync(host, patient);

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => client.GetAsync(new Uri($"/api/v1/patients/me/documents/{document}", UriKind.Relative))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(16, (await Seed.AccessesAsync(host, patient)).Count);
    }
}
