using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ledger.App.Cli;
using Ledger.App.Security;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.Compliance;

public sealed class ComplianceExportTests
{
    private static string Verifier()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tools", "verify_export.py");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("tools/verify_export.py");
    }

    private static async Task<(int Exit, string Output, string Error)> VerifyAsync(string path, string? publicKeyFile = null)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Verifier());
        if (publicKeyFile is not null)
        {
            start.ArgumentList.Add("--public-key");
            start.ArgumentList.Add(publicKeyFile);
        }

        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static async Task<LedgerHost> SeededAsync()
    {
        var host = await LedgerHost.StartAsync();
        var patient = await Seed.PatientAsync(host);
        var document = await Seed.DocumentAsync(host, patient);
        await Seed.CorrectAsync(host, patient, document, Seed.Report(glucose: 4.4m));
        using var client = host.ClientAs(Roles.Patient, patient);
        var (consent, token) = await ShareLinkTests.GrantAsync(client);
        await host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents/{document}", UriKind.Relative));
        await client.PostAsync(new Uri($"/api/v1/patients/me/consents/{consent}/revoke", UriKind.Relative), JsonContentOf("{}"));
        return host;
    }

    private static StringContent JsonContentOf(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_export_verifies_offline_and_one_flipped_byte_is_named_by_its_line()
    {
        await using var host = await SeededAsync();
        using var auditor = host.ClientAs(Roles.Auditor, Guid.NewGuid());
        var response = await auditor.GetAsync(new Uri("/api/v1/compliance/export", UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var path = Path.Combine(Path.GetTempPath(), $"ledger-export-{Guid.NewGuid():N}.ndjson");
        try
        {
            await File.WriteAllBytesAsync(path, bytes);
            var clean = await VerifyAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
            Assert.True(clean.Exit == 0, clean.Error);
            var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length >= 6);
            var manifest = JsonDocument.Parse(lines[^1]).RootElement.GetProperty("manifest");
            Assert.Equal(lines.Length - 1, manifest.GetProperty("count").GetInt32());
            Assert.Contains(lines, l => l.Contains("\"dataEncrypted\":\"", StringComparison.Ordinal));

            // One byte of line 3's stored type changes: the verifier names line 3.
            var offset = Offset(bytes, line: 3, after: "\"type\":\"");
            var tampered = (byte[])bytes.Clone();
            tampered[offset] ^= 0x01;
            await File.WriteAllBytesAsync(path, tampered);
            var broken = await VerifyAsync(path);
            Assert.Equal(1, broken.Exit);
            Assert.Contains("line 3:", broken.Error, StringComparison.Ordinal);

            // A changed digest in the manifest is named by the manifest's line.
            tampered = (byte[])bytes.Clone();
            tampered[Offset(bytes, line: lines.Length, after: "\"sha256\":\"")] ^= 0x01;
            await File.WriteAllBytesAsync(path, tampered);
            var badManifest = await VerifyAsync(path);
            Assert.Equal(1, badManifest.Exit);
            Assert.Contains($"line {lines.Length}:", badManifest.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task An_unknown_stream_type_is_refused_naming_the_field_and_records_nothing()
    {
        await using var host = await SeededAsync();
        var auditorId = Guid.NewGuid();
        using var auditor = host.ClientAs(Roles.Auditor, auditorId);

        using var response = await auditor.GetAsync(new Uri("/api/v1/compliance/export?streamType=xray", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("streamType", problem.GetProperty("field").GetString());
        Assert.Contains("delivery_refusals", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await Seed.AccessesAsync(host, auditorId));
    }

    [Fact]
    public async Task An_export_of_every_patient_is_recorded_in_the_callers_own_access_stream()
    {
        await using var host = await SeededAsync();
        var auditorId = Guid.NewGuid();
        using var auditor = host.ClientAs(Roles.Auditor, auditorId);

        (await auditor.GetAsync(new Uri("/api/v1/compliance/export", UriKind.Relative))).EnsureSuccessStatusCode();
        (await auditor.GetAsync(new Uri("/api/v1/compliance/export?streamType=result&from=2026-01-01T00:00:00Z", UriKind.Relative))).EnsureSuccessStatusCode();

        var own = await Seed.AccessesAsync(host, auditorId);
        Assert.Equal(2, own.Count);
        Assert.All(own, a =>
        {
            Assert.Equal(Domain.Access.AccessChannel.Export, a.Channel);
            Assert.Equal(Domain.Access.ActorKind.Auditor, a.Actor.Kind);
            Assert.Equal(auditorId, a.Actor.Id.Value);
        });
        Assert.StartsWith("compliance export of every patient", own[0].Purpose, StringComparison.Ordinal);
        Assert.Contains("from=2026-01-01T00:00:00Z, streamType=result", own[1].Purpose, StringComparison.Ordinal);

        // The auditor's own stream reads back like a patient's.
        await Seed.CatchUpAsync(host);
        var history = await auditor.GetFromJsonAsync<JsonElement>($"/api/v1/audit/patients/{auditorId}/access?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
        Assert.Equal(2, history.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task The_command_line_export_filters_by_stream_type_and_verifies()
    {
        await using var host = await SeededAsync();
        var path = Path.Combine(Path.GetTempPath(), $"ledger-export-{Guid.NewGuid():N}.ndjson");
        using var output = new StringWriter();
        using var error = new StringWriter();
        try
        {
            var exit = await LedgerProgram.RunAsync(["export", "--out", path, "--stream-type", "consent", "--connection", host.ConnectionString], host.Clock, output, error);
            var verified = await VerifyAsync(path);
            var lines = await File.ReadAllLinesAsync(path);

            Assert.Equal(0, exit);
            Assert.Contains("exported 2 events", error.ToString(), StringComparison.Ordinal);
            Assert.Contains("2 events written", output.ToString(), StringComparison.Ordinal);
            Assert.Equal(3, lines.Length);
            Assert.All(lines[..^1], l => Assert.Contains("\"streamType\":\"consent\"", l, StringComparison.Ordinal));
            Assert.True(verified.Exit == 0, verified.Error);

            // The export is an access event of the command line, recorded in its own access stream (its id as documented).
            Assert.Equal(Guid.Parse("2c227389-245b-f826-ccaa-13c84eb9f865"), ExportCommand.CommandLineActorId);
            var recorded = await Seed.Store(host).GetStreamAsync(Ledger.Domain.StreamIds.Access(new Ledger.Domain.Identifiers.PatientId(ExportCommand.CommandLineActorId)));
            Assert.Equal(1L, recorded?.Version);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(Roles.Patient)]
    [InlineData(Roles.Doctor)]
    [InlineData(Roles.Support)]
    [InlineData(Roles.Organization)]
    public async Task Only_auditors_and_admins_export(string role)
    {
        await using var host = await LedgerHost.StartAsync();
        using var client = host.ClientAs(role, Guid.NewGuid());

        var response = await client.GetAsync(new Uri("/api/v1/compliance/export", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task An_export_carries_the_latest_signed_checkpoint_which_the_offline_verifier_checks_with_the_public_key()
    {
        await using var host = await SeededAsync();
        var runtime = host.Services.GetRequiredService<global::Ledger.App.Hosting.LedgerRuntime>();
        using var signer = runtime.Keys.CheckpointSigner();
        var checkpoints = new EventStore.Checkpoints.CheckpointStore(NpgsqlDataSourceOf(host), "ledger");
        await checkpoints.CreateAsync(signer, host.Clock.GetCurrentInstant());
        var latest = await checkpoints.CreateAsync(signer, host.Clock.GetCurrentInstant());
        using var auditor = host.ClientAs(Roles.Auditor, Guid.NewGuid());
        var bytes = await (await auditor.GetAsync(new Uri("/api/v1/compliance/export", UriKind.Relative))).Content.ReadAsByteArrayAsync();
        var path = Path.Combine(Path.GetTempPath(), $"ledger-export-{Guid.NewGuid():N}.ndjson");
        var key = Path.Combine(Path.GetTempPath(), $"ledger-key-{Guid.NewGuid():N}.pem");
        try
        {
            await File.WriteAllTextAsync(key, signer.PublicKeyPem);
            await File.WriteAllBytesAsync(path, bytes);
            var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.StartsWith("{\"checkpoint\":", lines[0], StringComparison.Ordinal);
            Assert.Contains($"\"sequence\":{latest.Checkpoint.Sequence}", lines[0], StringComparison.Ordinal);
            var clean = await VerifyAsync(path, key);
            Assert.True(clean.Exit == 0, clean.Error);

            // The last event of a stream is left out of the export: the chain of what remains still holds, the
            // signed checkpoint names the missing head.
            var stream = latest.Checkpoint.Heads.First(h => h.Version > 1);
            var cut = lines.Where(l => l.StartsWith("{\"checkpoint\":", StringComparison.Ordinal) || !(l.Contains($"\"streamId\":\"{stream.StreamId:D}\"", StringComparison.Ordinal) && l.Contains($"\"version\":{stream.Version},", StringComparison.Ordinal))).ToList();
            Assert.Equal(lines.Length - 1, cut.Count);
            await File.WriteAllTextAsync(path, WithManifestRecomputed(cut));
            var broken = await VerifyAsync(path, key);
            Assert.Equal(1, broken.Exit);
            Assert.Contains(stream.StreamId.ToString("D"), broken.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
            File.Delete(key);
        }
    }

    /// <summary>The lines with the manifest recomputed over the event lines, as someone who edits an export would.</summary>
    private static string WithManifestRecomputed(List<string> lines)
    {
        var events = lines.Where(l => !l.StartsWith("{\"checkpoint\":", StringComparison.Ordinal) && !l.StartsWith("{\"manifest\":", StringComparison.Ordinal)).ToList();
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(events.Select(l => l + "\n")))));
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(lines[^1])!;
        manifest["manifest"]!["count"] = events.Count;
        manifest["manifest"]!["sha256"] = digest;
        return string.Join('\n', lines.Take(lines.Count - 1).Append(manifest.ToJsonString())) + "\n";
    }

    private static Npgsql.NpgsqlDataSource NpgsqlDataSourceOf(LedgerHost host) => host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();

    private static int Offset(byte[] bytes, int line, string after)
    {
        var start = 0;
        for (var i = 1; i < line; i++)
        {
            start = Array.IndexOf(bytes, (byte)'\n', start) + 1;
        }

        var marker = Encoding.UTF8.GetBytes(after);
        for (var i = start; i < bytes.Length - marker.Length; i++)
        {
            if (bytes.AsSpan(i, marker.Length).SequenceEqual(marker))
            {
                return i + marker.Length + 1;
            }
        }

        throw new InvalidOperationException("marker not found");
    }
}
