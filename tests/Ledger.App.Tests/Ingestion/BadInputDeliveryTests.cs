using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>
/// Mutated fixtures over HTTP and MLLP: never a 5xx, always an ACK or OperationOutcome, and nothing appended for
/// what is refused (events are counted once per batch of cases).
/// </summary>
public sealed class BadInputDeliveryTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private const int BatchSize = 25;

    public static IEnumerable<(string Name, byte[] Body)> Hl7Mutations()
    {
        var random = new Random(20260302);
        foreach (var fixture in Fixtures.AllHl7())
        {
            var original = Fixtures.Hl7(fixture);
            var text = Encoding.Latin1.GetString(original);
            yield return ($"{fixture}: empty", []);
            yield return ($"{fixture}: first byte only", original[..1]);
            for (var i = 0; i < 4; i++)
            {
                var cut = random.Next(1, original.Length);
                yield return ($"{fixture}: truncated at {cut}", original[..cut]);
            }

            yield return ($"{fixture}: pipes to commas", Encoding.Latin1.GetBytes(text.Replace('|', ',')));
            yield return ($"{fixture}: carets to pipes", Encoding.Latin1.GetBytes(text.Replace('^', '|')));
            yield return ($"{fixture}: no segment terminators", Encoding.Latin1.GetBytes(text.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal)));
            yield return ($"{fixture}: MSH removed", Encoding.Latin1.GetBytes(text.Length > 3 ? "XXX" + text[3..] : text));
            yield return ($"{fixture}: UTF-16", Encoding.Unicode.GetBytes(text));
            yield return ($"{fixture}: invalid UTF-8 declared", Encoding.Latin1.GetBytes(text.Replace("\r", "\u00ff\u00fe\r", StringComparison.Ordinal)));
            yield return ($"{fixture}: NUL bytes", original.Select((b, i) => i % 7 == 3 ? (byte)0 : b).ToArray());
            yield return ($"{fixture}: huge field", Encoding.Latin1.GetBytes(text + "\rOBX|1|ST|X^Y^LN||" + new string('9', 70_000) + "\r"));
            yield return ($"{fixture}: bad СНИЛС", Hl7DeliveryTests.WithPid3(original, "123-456-789 00^^^SNILS"));
            yield return ($"{fixture}: short ЕНП", Hl7DeliveryTests.WithPid3(original, "12345^^^ENP"));
            var flipped = (byte[])original.Clone();
            for (var i = 0; i < 5 && flipped.Length > 0; i++)
            {
                flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
            }

            yield return ($"{fixture}: five random bytes", flipped);
            yield return ($"{fixture}: segments shuffled", Encoding.Latin1.GetBytes(string.Join('\r', text.Split('\r', '\n').OrderBy(_ => random.Next()))));
            yield return ($"{fixture}: bad LOINC", Encoding.Latin1.GetBytes(text.Replace("^LN", "0^LN", StringComparison.Ordinal)));
            yield return ($"{fixture}: bad dates", Encoding.Latin1.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\\|(19|20)(\\d{6})", "|$1$2$2")));
        }
    }

    public static IEnumerable<(string Name, byte[] Body)> FhirMutations()
    {
        var random = new Random(3021);
        foreach (var fixture in Fixtures.AllFhir())
        {
            var original = Fixtures.Fhir(fixture);
            var text = Encoding.UTF8.GetString(original);
            yield return ($"{fixture}: empty", []);
            for (var i = 0; i < 4; i++)
            {
                var cut = random.Next(1, original.Length);
                yield return ($"{fixture}: truncated at {cut}", original[..cut]);
            }

            yield return ($"{fixture}: not JSON", Encoding.UTF8.GetBytes("<" + text));
            yield return ($"{fixture}: an array", Encoding.UTF8.GetBytes("[" + text + "]"));
            yield return ($"{fixture}: a string", Encoding.UTF8.GetBytes("\"" + fixture + "\""));
            yield return ($"{fixture}: wrong resource type", Encoding.UTF8.GetBytes(ReplaceFirst(text, "\"resourceType\"", "\"resourceType\": \"Medication\", \"x\"")));
            yield return ($"{fixture}: resourceType a number", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"resourceType\"\\s*:\\s*\"\\w+\"", "\"resourceType\": 7")));
            yield return ($"{fixture}: UTF-16", Encoding.Unicode.GetBytes(text));
            yield return ($"{fixture}: invalid UTF-8", [.. original[..(original.Length / 2)], 0xC3, 0x28, .. original[(original.Length / 2)..]]);
            yield return ($"{fixture}: deep nesting", Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"x\":" + new string('[', 200) + new string(']', 200) + "}"));
            yield return ($"{fixture}: huge string", Encoding.UTF8.GetBytes(ReplaceFirst(text, "{", "{\"zz\":\"" + new string('x', 200_000) + "\",")));
            yield return ($"{fixture}: values as objects", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"value\"\\s*:\\s*[0-9.]+", "\"value\": {\"a\":1}")));
            yield return ($"{fixture}: bad dates", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"(\\d{4})-(\\d{2})-(\\d{2})", "\"$1-13-$3")));
            yield return ($"{fixture}: future dates", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, "\"(19|20)(\\d{2})-", "\"2099-")));
            yield return ($"{fixture}: nulls", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(text, ":\\s*\"[^\"]*\"", ": null")));
            yield return ($"{fixture}: lone surrogate", Encoding.UTF8.GetBytes(ReplaceFirst(text, "{", "{\"zz\":\"\\uD800\",")));
            yield return ($"{fixture}: bad LOINC", Encoding.UTF8.GetBytes(text.Replace("\"code\": \"", "\"code\": \"9", StringComparison.Ordinal)));
            var flipped = (byte[])original.Clone();
            for (var i = 0; i < 3; i++)
            {
                flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
            }

            yield return ($"{fixture}: three random bytes", flipped);
            yield return ($"{fixture}: bad СНИЛС identifier", Encoding.UTF8.GetBytes(ReplaceFirst(text, "\"subject\"", "\"contained\":[],\"subject\":{\"identifier\":{\"system\":\"urn:oid:1.2.643.100.3\",\"value\":\"123-456-789 00\"}},\"zzsubject\"")));
            yield return ($"{fixture}: duplicated", Encoding.UTF8.GetBytes(text + text));
        }
    }

    private static string ReplaceFirst(string text, string what, string with)
    {
        var at = text.IndexOf(what, StringComparison.Ordinal);
        return at < 0 ? text : text[..at] + with + text[(at + what.Length)..];
    }

    [Fact]
    public async Task Mutated_hl7_over_http_never_gives_a_5xx_and_refused_messages_append_nothing()
    {
        var cases = Hl7Mutations().ToList();
        var count = await RunAsync(cases, async body =>
        {
            var response = await DeliveryHost.PostHl7Async(host.Lab.Client, body);
            var ack = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
            Assert.StartsWith("MSH", ack, StringComparison.Ordinal);
            // An accepted message appends its arrival and, released final, its status.
            return DeliveryHost.AckCode(ack) == "AA" ? 2 : 0;
        });

        Assert.True(count >= 300, $"{count} cases");
    }

    [Fact]
    public async Task Mutated_fhir_over_http_never_gives_a_5xx_and_refused_documents_append_nothing()
    {
        var cases = FhirMutations().ToList();
        var count = await RunAsync(cases, async body =>
        {
            var response = await DeliveryHost.PostFhirAsync(host.Lab.Client, body);
            var outcome = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}");
            Assert.Contains("OperationOutcome", outcome, StringComparison.Ordinal);
            return response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK ? 10 : 0;
        });

        Assert.True(count >= 200, $"{count} cases");
    }

    [Fact]
    public async Task Mutated_hl7_over_one_mllp_connection_always_gets_an_ack()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();
        var cases = Hl7Mutations().Where((_, i) => i % 3 == 0).ToList();
        foreach (var (name, body) in cases)
        {
            var payload = body.Select(b => b is 0x0B or 0x1C ? (byte)0x20 : b).ToArray();
            await stream.WriteAsync((byte[])[0x0B, .. payload, 0x1C, 0x0D]);
            var ack = await ReadAckAsync(stream);
            Assert.True(ack.StartsWith("MSH", StringComparison.Ordinal), name);
        }

        await stream.WriteAsync((byte[])[0x0B, .. DeliveryHost.WithControlId(Hl7DeliveryTests.EditSegment(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), "MSH", 3, host.Lab.Ogrn), "FUZZ-LAST"), 0x1C, 0x0D]);
        Assert.Equal("AA", DeliveryHost.AckCode(await ReadAckAsync(stream)));
    }

    /// <summary>Runs the cases in batches; a batch in which nothing was accepted must append nothing.</summary>
    private async Task<int> RunAsync(List<(string Name, byte[] Body)> cases, Func<byte[], Task<int>> deliver)
    {
        foreach (var batch in cases.Chunk(BatchSize))
        {
            var before = await host.EventCountAsync();
            var mayAppend = 0;
            foreach (var (name, body) in batch)
            {
                try
                {
                    mayAppend += await deliver(body);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    throw new InvalidOperationException($"case '{name}' failed: {e.Message}", e);
                }
            }

            var appended = await host.EventCountAsync() - before;
            Assert.True(appended <= mayAppend, $"{appended} events appended by a batch that accepted at most {mayAppend} (from '{batch[0].Name}')");
        }

        return cases.Count;
    }

    private static async Task<string> ReadAckAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await stream.ReadAsync(one, timeout.Token) == 1)
        {
            if (one[0] == 0x1C)
            {
                await stream.ReadExactlyAsync(one, timeout.Token);
                break;
            }

            if (one[0] != 0x0B)
            {
                buffer.Add(one[0]);
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
