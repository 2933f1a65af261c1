using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Ingestion;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain.Results;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>
/// One running ledger for a test class: a registry CSV, an MLLP listener on a free port, and helpers to register
/// organisations through the admin API and deliver as one of them.
/// </summary>
public sealed class DeliveryHost : IAsyncLifetime
{
    private static int counter;
    private readonly string registryPath = Path.Combine(Path.GetTempPath(), $"ledger-registry-{Guid.NewGuid():N}.csv");
    private readonly List<string> registryLines = ["ogrn,inn,name,type,oid"];

    public LedgerHost Host { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    /// <summary>An organisation confirmed, enabled, allowed to deliver over MLLP from 127.0.0.1.</summary>
    public TestOrganization Lab { get; private set; } = null!;

    public EventStore.EventStore Store => Host.Services.GetRequiredService<EventStore.EventStore>();

    public int MllpPort => Host.Services.GetRequiredService<MllpListener>().Endpoint!.Port;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(registryPath, string.Join('\n', registryLines));
        Host = await LedgerHost.StartAsync(builder =>
        {
            builder.Configuration["Ledger:OrganizationRegistry"] = registryPath;
            builder.Configuration[IngestionFeature.MllpPortKey] = "0";
            builder.Configuration[IngestionFeature.MllpAddressKey] = "127.0.0.1";
        });
        await Host.Services.GetRequiredService<MllpListener>().Listening.WaitAsync(TimeSpan.FromSeconds(30));
        Admin = Host.ClientAs(Roles.Admin, Guid.NewGuid());
        Lab = await CreateOrganizationAsync(confirm: true, enable: true, mllpSources: ["127.0.0.1"]);
    }

    public async Task DisposeAsync()
    {
        Admin.Dispose();
        await Host.DisposeAsync();
        File.Delete(registryPath);
    }

    /// <summary>A fresh valid ОГРН/ИНН pair, listed in the registry when <paramref name="listed"/>.</summary>
    public async Task<(string Ogrn, string Inn, string Name)> NewIdentityAsync(bool listed = true)
    {
        var n = Interlocked.Increment(ref counter) + (Environment.ProcessId % 1000 * 1000);
        var ogrn = ValidOgrn(102770000000L + n);
        var inn = ValidInn(770700000 + n);
        var name = $"Лаборатория {n.ToString(CultureInfo.InvariantCulture)}";
        if (listed)
        {
            registryLines.Add($"{ogrn},{inn},\"{name}\",laboratory,1.2.643.5.1.13.13.12.2.77.{n.ToString(CultureInfo.InvariantCulture)}");
            await File.WriteAllTextAsync(registryPath, string.Join('\n', registryLines));
        }

        return (ogrn, inn, name);
    }

    public async Task<TestOrganization> CreateOrganizationAsync(bool confirm, bool enable, IReadOnlyList<string>? mllpSources = null, bool suspend = false)
    {
        var (ogrn, inn, name) = await NewIdentityAsync();
        var oid = registryLines[^1].Split(',')[^1];
        var response = await Admin.PostAsJsonAsync(new Uri("/api/v1/organizations", UriKind.Relative), new { inn, ogrn, type = "laboratory", name, registryOid = oid, mllpSources });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("organizationId").GetGuid();
        if (confirm)
        {
            (await Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/verify", UriKind.Relative), null)).EnsureSuccessStatusCode();
        }

        if (enable)
        {
            (await Admin.PostAsync(new Uri($"/api/v1/organizations/{id}/enable-delivery", UriKind.Relative), null)).EnsureSuccessStatusCode();
        }

        if (suspend)
        {
            (await Admin.PostAsJsonAsync(new Uri($"/api/v1/organizations/{id}/suspend", UriKind.Relative), new { reason = "licence withdrawn" })).EnsureSuccessStatusCode();
        }

        var client = Host.ClientAs(Roles.Organization, id);
        return new TestOrganization(id, ogrn, name, client);
    }

    /// <summary>The ledger's events (Marten's tombstones of failed appends left out, see EventStore.NotTombstone).</summary>
    public async Task<long> EventCountAsync()
    {
        await using var connection = new NpgsqlConnection(Host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM ledger.mt_events e WHERE {EventStore.EventStore.NotTombstone("ledger", "e")}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Host.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public async Task<ResultState> DocumentAsync(Guid documentId)
    {
        var (state, _) = await Store.AggregateAsync(Deciders.Result, documentId);
        return state;
    }

    public static Guid Hl7DocumentId(Guid organization, string controlId) => IngestionTables.Derive("hl7v2", organization.ToString("N"), controlId);

    public static Guid FhirDocumentId(Guid organization, string kind, string sourceId) => IngestionTables.Derive("fhir", organization.ToString("N"), kind, sourceId);

    public static async Task<HttpResponseMessage> PostHl7Async(HttpClient client, byte[] body, string contentType = "application/hl7-v2", string? idempotencyKey = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/ingest/hl7v2", UriKind.Relative)) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    public static async Task<HttpResponseMessage> PostFhirAsync(HttpClient client, byte[] body, string contentType = "application/fhir+json", string? idempotencyKey = null)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/ingest/fhir", UriKind.Relative)) { Content = content };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    /// <summary>The MSA-1 code of an ACK.</summary>
    public static string AckCode(string ack) =>
        ack.Split('\r').First(s => s.StartsWith("MSA", StringComparison.Ordinal)).Split(ack[3])[1];

    public static string ValidOgrn(long first12)
    {
        var digits = first12.ToString("D12", CultureInfo.InvariantCulture);
        return digits + (first12 % 11 % 10).ToString(CultureInfo.InvariantCulture);
    }

    public static string ValidInn(long first9)
    {
        var digits = first9.ToString("D9", CultureInfo.InvariantCulture);
        int[] weights = [2, 4, 10, 3, 5, 9, 4, 6, 8];
        var sum = weights.Select((w, i) => w * (digits[i] - '0')).Sum();
        return digits + (sum % 11 % 10).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Replaces the MSH-10 of an HL7 message (keeps everything else byte for byte).</summary>
    public static byte[] WithControlId(byte[] message, string controlId)
    {
        var text = System.Text.Encoding.Latin1.GetString(message);
        var start = text.IndexOf("MSH", StringComparison.Ordinal);
        var separator = text[start + 3];
        var end = text.IndexOfAny(['\r', '\n'], start);
        var fields = text[start..end].Split(separator);
        fields[9] = controlId;
        return System.Text.Encoding.Latin1.GetBytes(text[..start] + string.Join(separator, fields) + text[end..]);
    }
}

public sealed record TestOrganization(Guid Id, string Ogrn, string Name, HttpClient Client);
