using System.Diagnostics;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Hashing;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.Checkpoints;

/// <summary>
/// tools/verify_export.py checks signed checkpoint lines with its pure-Python ECDSA P-256 against signatures made here,
/// and their heads against the exported events.
/// </summary>
public sealed class OfflineVerifierTests : IDisposable
{
    private static readonly Guid First = Guid.Parse("0196a3c2-7f00-7000-8000-000000000001");
    private static readonly Guid Second = Guid.Parse("0196a3c2-7f00-7000-8000-000000000002");
    private static readonly Guid Third = Guid.Parse("0196a3c2-7f00-7000-8000-000000000003");

    private readonly CheckpointSigner signer = CheckpointSigner.FromPem(CheckpointSamples.FixedPrivateKeyPem);
    private readonly string directory = Directory.CreateTempSubdirectory("ledger-checkpoints-").FullName;

    public void Dispose()
    {
        signer.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    /// <summary>First v1 at 10, Second v1 at 20, First v2 at 30, Second v2 at 40, First v3 at 50.</summary>
    private static List<ExportedEvent> Store() => Chain([(First, 10), (Second, 20), (First, 30), (Second, 40), (First, 50)]);

    /// <summary>Checkpoint 1 at position 30, then checkpoints 2–10 at 50: ten signatures for the Python code to check.</summary>
    private List<SignedCheckpoint> Checkpoints(List<ExportedEvent> events)
    {
        var signed = new List<SignedCheckpoint> { signer.Sign(HeadsAt(events, 1, 30), previous: null) };
        for (var sequence = 2; sequence <= 10; sequence++)
        {
            signed.Add(signer.Sign(HeadsAt(events, sequence, 50), signed[^1]));
        }

        return signed;
    }

    [Fact]
    public async Task An_export_with_signed_checkpoints_verifies_with_the_public_key()
    {
        var events = Store();
        var (exit, output, error) = await VerifyAsync(Write(events, Checkpoints(events)), signer.PublicKeyPem);

        Assert.True(exit == 0, error);
        Assert.Contains("ok: 5 events in 2 streams", output, StringComparison.Ordinal);
        Assert.Contains($"ok: 10 checkpoints signed with key {CheckpointSamples.FixedKeyId} verified, 20 stream heads match the export", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_public_key_checkpoint_lines_are_reported_unchecked_and_do_not_fail()
    {
        var events = Store();
        var (exit, output, error) = await VerifyAsync(Write(events, Checkpoints(events)[..2]), publicKeyPem: null);

        Assert.Equal(0, exit);
        Assert.Contains("ok: 5 events in 2 streams", output, StringComparison.Ordinal);
        Assert.Contains("line 6: checkpoint 1 not checked (no --public-key given)", error, StringComparison.Ordinal);
        Assert.Contains("line 7: checkpoint 2 not checked (no --public-key given)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_public_key_with_no_checkpoint_line_to_check_fails()
    {
        var (exit, _, error) = await VerifyAsync(Write(Store(), []), signer.PublicKeyPem);

        Assert.Equal(1, exit);
        Assert.Contains("line 6: a public key was given, but the export holds no checkpoint line", error, StringComparison.Ordinal);
    }

    public static TheoryData<string> Tamperings() =>
        ["signature flipped", "head edited in the line", "head re-signed", "tail deleted", "stream deleted", "stream slipped in", "appended behind", "chain broken", "another key"];

    [Theory]
    [MemberData(nameof(Tamperings))]
    public async Task A_tampered_export_or_checkpoint_fails_with_a_message_naming_the_problem(string tampering)
    {
        var events = Store();
        var checkpoints = Checkpoints(events);
        var written = events;
        var key = signer.PublicKeyPem;
        Func<string, string> edit = line => line;
        string expected;
        switch (tampering)
        {
            case "signature flipped":
                var last = checkpoints[^1];
                checkpoints[^1] = new SignedCheckpoint(last.Checkpoint, last.PreviousDigest, last.KeyId, CheckpointSamples.FlipBit(last.Signature, 17));
                expected = $"line 15: the signature of checkpoint 10 does not verify under key {CheckpointSamples.FixedKeyId}";
                break;
            case "head edited in the line":
                var hash = Convert.ToHexStringLower(events[^1].Hash);
                edit = line => line.Contains("\"sequence\":4,", StringComparison.Ordinal) ? line.Replace(hash, new string('e', 64), StringComparison.Ordinal) : line;
                expected = "line 9: the signature of checkpoint 4 does not verify";
                break;
            case "head re-signed":
                var changed = new Checkpoint(2, 50, Instant.FromUnixTimeSeconds(2), HeadsAt(events, 2, 50).Heads.Select(h => h.StreamId == Second ? new StreamHeadEntry(Second, 2, CheckpointSamples.Filled(0xee)) : h));
                checkpoints = [checkpoints[0], signer.Sign(changed, checkpoints[0])];
                expected = $"line 4: stream {Second:D} version 2 has hash {Convert.ToHexStringLower(events[3].Hash)}, checkpoint 2 (line 7) records {new string('e', 64)}";
                break;
            case "tail deleted":
                written = events[..^1];
                expected = $"line 6: checkpoint 2 records stream {First:D} at version 3, the export holds the stream only up to version 2";
                break;
            case "stream deleted":
                written = Chain([(First, 10), (First, 30), (First, 50)]);
                expected = $"line 4: checkpoint 1 records stream {Second:D} at version 1, the export holds no event of it";
                break;
            case "stream slipped in":
                written = Chain([(First, 10), (Second, 20), (First, 30), (Third, 35), (Second, 40), (First, 50)]);
                expected = $"line 4: stream {Third:D} version 1 at position 35 is not in checkpoint 2 (line 8), which covers positions up to 50";
                break;
            case "appended behind":
                written = Chain([(First, 10), (Second, 20), (First, 30), (Second, 40), (First, 50), (Second, 45)]);
                expected = $"line 6: stream {Second:D} version 3 at position 45 is beyond version 2 of checkpoint 2 (line 8), which covers positions up to 50";
                break;
            case "chain broken":
                checkpoints = [checkpoints[0], signer.Sign(HeadsAt(events, 2, 50), CheckpointSamples.Filled(0x42))];
                expected = "line 7: checkpoint 2 does not chain to checkpoint 1: previous digest 4242";
                break;
            case "another key":
                using (var other = CheckpointSigner.FromPem(CheckpointSamples.NewPrivateKeyPem()))
                {
                    key = other.PublicKeyPem;
                    expected = $"line 6: checkpoint 1 is signed with key {CheckpointSamples.FixedKeyId}, the public key given is {other.KeyId}";
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(tampering), tampering, "no such tampering");
        }

        var (exit, _, error) = await VerifyAsync(Write(written, checkpoints, edit), key);

        Assert.True(exit == 1, $"exit {exit}: {error}");
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private sealed record ExportedEvent(Guid Stream, long Version, long Position, Guid EventId, string Data, byte[] Previous, byte[] Hash);

    private static List<ExportedEvent> Chain(IEnumerable<(Guid Stream, long Position)> appends)
    {
        var heads = new Dictionary<Guid, (long Version, byte[] Hash)>();
        var events = new List<ExportedEvent>();
        foreach (var (stream, position) in appends)
        {
            var (version, previous) = heads.TryGetValue(stream, out var head) ? (head.Version + 1, head.Hash) : (1, EventHasher.Genesis.ToArray());
            var eventId = new Guid($"00000000-0000-4000-8000-{position:D12}");
            var data = $"{{\"n\": {position}}}";
            var hash = EventHasher.Compute(previous, new HashedFields(stream, version, eventId, "test.noted.v1", 1_772_368_496_000_000 + position, null, "{}", Encoding.UTF8.GetBytes(data)));
            events.Add(new ExportedEvent(stream, version, position, eventId, data, previous, hash));
            heads[stream] = (version, hash);
        }

        return events;
    }

    private static Checkpoint HeadsAt(List<ExportedEvent> events, long sequence, long position) => new(
        sequence,
        position,
        Instant.FromUnixTimeSeconds(1_800_000_000 + sequence),
        events.Where(e => e.Position <= position).GroupBy(e => e.Stream).Select(g => g.MaxBy(e => e.Version)!).Select(e => new StreamHeadEntry(e.Stream, e.Version, e.Hash)));

    /// <summary>The export's format (ComplianceExporter): event lines, the checkpoint lines, then the manifest over the event lines.</summary>
    private string Write(IEnumerable<ExportedEvent> events, IEnumerable<SignedCheckpoint> checkpoints, Func<string, string>? edit = null)
    {
        var text = new StringBuilder();
        var count = 0;
        foreach (var e in events)
        {
            text.Append(Json(json =>
            {
                json.WriteString("streamId", e.Stream.ToString("D"));
                json.WriteString("streamType", "test");
                json.WriteNumber("version", e.Version);
                json.WriteNumber("position", e.Position);
                json.WriteString("eventId", e.EventId.ToString("D"));
                json.WriteString("type", "test.noted.v1");
                json.WriteNumber("recordedAtMicros", 1_772_368_496_000_000 + e.Position);
                json.WriteNull("keyId");
                json.WriteString("metadata", "{}");
                json.WriteString("data", e.Data);
                json.WriteNull("dataEncrypted");
                json.WriteString("hash", Convert.ToHexStringLower(e.Hash));
                json.WriteString("previousHash", Convert.ToHexStringLower(e.Previous));
            })).Append('\n');
            count++;
        }

        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
        foreach (var checkpoint in checkpoints)
        {
            text.Append((edit ?? (line => line))(checkpoint.ToJsonLine())).Append('\n');
        }

        text.Append(Json(json =>
        {
            json.WriteStartObject("manifest");
            json.WriteString("format", "ledger.export.v1");
            foreach (var filter in new[] { "from", "to", "streamType", "patient" })
            {
                json.WriteNull(filter);
            }

            json.WriteNumber("count", count);
            json.WriteString("sha256", digest);
            json.WriteEndObject();
        })).Append('\n');
        var path = Path.Combine(directory, $"{Guid.NewGuid():N}.ndjson");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private async Task<(int Exit, string Output, string Error)> VerifyAsync(string path, string? publicKeyPem)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepositoryRoot(), "tools", "verify_export.py"));
        if (publicKeyPem is not null)
        {
            var keyFile = Path.Combine(directory, $"{Guid.NewGuid():N}.pem");
            await File.WriteAllTextAsync(keyFile, publicKeyPem);
            start.ArgumentList.Add("--public-key");
            start.ArgumentList.Add(keyFile);
        }

        start.ArgumentList.Add(path);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private static string RepositoryRoot()
    {
        for (var at = new DirectoryInfo(AppContext.BaseDirectory); at is not null; at = at.Parent)
        {
            if (File.Exists(Path.Combine(at.FullName, "Ledger.sln")))
            {
                return at.FullName;
            }
        }

        throw new DirectoryNotFoundException("no Ledger.sln above " + AppContext.BaseDirectory);
    }
}
