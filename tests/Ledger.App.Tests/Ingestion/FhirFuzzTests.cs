using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Ledger.App.Ingestion.Fhir;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>Seeded mutations of every FHIR fixture: only success or <see cref="FhirValidationException"/>, each fast.</summary>
public sealed class FhirFuzzTests
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);

    private static readonly string[] ResourceTypes =
        ["Observation", "DiagnosticReport", "Immunization", "Composition", "Patient", "Consent", "AuditEvent", "Bundle", "", "observation"];

    [Fact]
    public void Mutated_fixtures_fail_only_with_typed_errors()
    {
        // Firely's model of R4 loads once per process (seconds); that is not the time of a case.
        FhirDeliveryReader.WarmUp();
        var random = new Random(4242);
        var files = Fixtures.AllFhir().Select(Fixtures.Fhir).ToArray();
        var cases = 0;
        var successes = 0;
        for (var round = 0; round < 50; round++)
        {
            foreach (var original in files)
            {
                var mutated = Mutate(original, random, out var kind);
                if (Run(mutated, $"round {round} {kind}"))
                {
                    successes++;
                }

                cases++;
            }
        }

        Assert.True(cases >= 500, $"only {cases} cases");
        Assert.InRange(successes, 1, cases - 1);
    }

    private static bool Run(byte[] input, string label)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Run(() =>
        {
            try
            {
                FhirDeliveryReader.Read(input);
                return true;
            }
            catch (FhirValidationException ex)
            {
                Assert.NotEmpty(ex.Issues);
                Assert.StartsWith("{\"resourceType\":\"OperationOutcome\"", ex.ToOperationOutcomeJson(), StringComparison.Ordinal);
                return false;
            }
        });
        Assert.True(task.Wait(PerCase), $"{label}: did not finish within {PerCase}");
        Assert.True(watch.Elapsed < PerCase, label);
        return task.Result;
    }

    private static byte[] Mutate(byte[] original, Random random, out string kind)
    {
        switch (random.Next(7))
        {
            case 0:
                kind = "truncate";
                return original[..random.Next(original.Length + 1)];
            case 1:
                kind = "flip";
                var copy = (byte[])original.Clone();
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                return copy;
            case 2:
                kind = "nesting";
                var depth = random.Next(30, 200);
                return Encoding.UTF8.GetBytes("{\"resourceType\":\"Observation\",\"code\":" + new string('[', depth) + new string(']', depth) + "}");
            default:
                kind = "structural";
                var node = JsonNode.Parse(original)!;
                for (var i = random.Next(1, 5); i > 0; i--)
                {
                    MutateNode(node, random);
                }

                return Encoding.UTF8.GetBytes(node.ToJsonString());
        }
    }

    private static void MutateNode(JsonNode root, Random random)
    {
        var all = new List<JsonNode>();
        Collect(root, all);
        var target = all[random.Next(all.Count)];
        if (target is JsonObject obj && obj.Count > 0)
        {
            var key = obj.ElementAt(random.Next(obj.Count)).Key;
            switch (random.Next(6))
            {
                case 0:
                    obj.Remove(key);
                    break;
                case 1:
                    obj[key] = random.Next(3) switch { 0 => 12.5m, 1 => "text", _ => null };
                    break;
                case 2:
                    obj[key] = new JsonArray(JsonValue.Create(1e30), JsonValue.Create("x"));
                    break;
                case 3:
                    obj["resourceType"] = ResourceTypes[random.Next(ResourceTypes.Length)];
                    break;
                case 4:
                    obj[key] = JsonValue.Create("\uFFFD" + new string('é', random.Next(100)));
                    break;
                default:
                    obj[key] = new JsonObject { ["value"] = JsonValue.Create(decimal.MaxValue), ["reference"] = "#nope" };
                    break;
            }
        }
        else if (target is JsonArray arr && arr.Count > 0)
        {
            arr.RemoveAt(random.Next(arr.Count));
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> all)
    {
        switch (node)
        {
            case JsonObject o:
                all.Add(o);
                foreach (var p in o)
                {
                    Collect(p.Value, all);
                }

                break;
            case JsonArray a:
                all.Add(a);
                foreach (var item in a)
                {
                    Collect(item, all);
                }

                break;
            default:
                break;
        }
    }
}
