using System.Diagnostics;
using System.Text;
using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.Hl7v2;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

/// <summary>Seeded mutations of every HL7 fixture: only success or <see cref="Hl7ParseException"/>, each fast.</summary>
public sealed class Hl7FuzzTests
{
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(5);

    [Fact]
    public void Mutated_fixtures_fail_only_with_typed_errors()
    {
        var random = new Random(20240506);
        var files = Fixtures.AllHl7().Select(Fixtures.Hl7).ToArray();
        var cases = 0;
        var successes = 0;
        for (var round = 0; round < 40; round++)
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

    [Fact]
    public void Pathological_inputs()
    {
        string[] texts =
        [
            "", "M", "MSH", "MSH|", "MSH|^~\\&", "MSH|^~\\&|", "MSH^|~\\&", "MSH||||", "MSH|^~\\&|\r\r\r",
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|" + new string('~', 100_000),
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||" + string.Concat(Enumerable.Repeat("1~", 30_000)) + "\rOBR|1\rOBX|1|NM|A^B^LN||" + string.Concat(Enumerable.Repeat("1~", 30_000)) + "|||" + new string('~', 60_000),
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rOBX|" + new string('\\', 50_000),
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rNTE|1||" + string.Concat(Enumerable.Repeat("\\X", 20_000)),
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||1\rOBR|1\rOBX|1|NM|X^Y^LN||1e5",
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||1\rOBR|1\rOBX|1|ED|X^Y^LN||^application^pdf^Base64^!!!",
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||1\rOBR|1\rOBX|1|SN|X^Y^LN||>>^1",
            "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||1\rOBR|1|||||99999999999999.99999",
        ];
        foreach (var t in texts)
        {
            Run(Encoding.UTF8.GetBytes(t), t.Length > 40 ? t[..40] : t);
        }

        Run(Encoding.Unicode.GetBytes("MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|||1"), "utf-16");
        Run(new byte[2 * 1024 * 1024], "too large");
        Run([.. "MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\r"u8, .. new byte[70_000].Select(_ => (byte)'x')], "huge segment name");
    }

    private static bool Run(byte[] input, string label)
    {
        var watch = Stopwatch.StartNew();
        var task = Task.Run(() =>
        {
            try
            {
                OruMapper.Parse(input);
                return true;
            }
            catch (Hl7ParseException ex)
            {
                var header = AckHeader.BestEffort(input);
                _ = AckBuilder.Build(header, ex.AckCode, "F", new LocalDateTime(2024, 1, 1, 0, 0).WithOffset(Offset.Zero), ex);
                Assert.False(string.IsNullOrEmpty(ex.Reason));
                return false;
            }
        });
        Assert.True(task.Wait(PerCase), $"{label}: did not finish within {PerCase}");
        Assert.True(watch.Elapsed < PerCase, label);
        return task.Result;
    }

    private static byte[] Mutate(byte[] original, Random random, out string kind)
    {
        var data = original.ToList();
        switch (random.Next(9))
        {
            case 0:
                kind = "truncate";
                return [.. data.Take(random.Next(data.Count + 1))];
            case 1:
                kind = "flip";
                for (var i = random.Next(1, 8); i > 0 && data.Count > 0; i--)
                {
                    data[random.Next(data.Count)] = (byte)random.Next(256);
                }

                return [.. data];
            case 2:
                kind = "separators";
                var seps = "|^~\\&\r\n\u000B\u001C#"u8.ToArray();
                for (var i = random.Next(1, 12); i > 0 && data.Count > 0; i--)
                {
                    data.Insert(random.Next(data.Count), seps[random.Next(seps.Length)]);
                }

                return [.. data];
            case 3:
                kind = "field separator swap";
                return [.. data.Select(b => b == (byte)'|' ? (byte)'!' : b)];
            case 4:
                kind = "huge field";
                var at = random.Next(data.Count + 1);
                data.InsertRange(at, Enumerable.Repeat((byte)'A', 70_000 + random.Next(1000)));
                return [.. data];
            case 5:
                kind = "wrong encoding";
                var text = Encoding.Latin1.GetString(original);
                return random.Next(2) == 0 ? Encoding.Unicode.GetBytes(text) : Encoding.UTF32.GetBytes(text);
            case 6:
                kind = "charset";
                var s = Encoding.Latin1.GetString(original);
                var cs = new[] { "ASCII", "8859/5", "WINDOWS-1251", "UNICODE UTF-8", "KLINGON" }[random.Next(5)];
                var msh = s.IndexOfAny(['\r', '\n']);
                var head = msh < 0 ? s : s[..msh];
                return Encoding.Latin1.GetBytes(head + "||||||||||" + cs + (msh < 0 ? "" : s[msh..]));
            case 7:
                kind = "duplicate segments";
                var copy = original.Concat(original.Skip(original.Length / 2)).ToArray();
                return copy;
            default:
                kind = "escape storm";
                for (var i = random.Next(1, 20); i > 0 && data.Count > 0; i--)
                {
                    var frag = new[] { "\\X", "\\XFF\\", "\\.br\\", "\\H\\", "\\C2842\\", "\\", "\\E\\" }[random.Next(7)];
                    data.InsertRange(random.Next(data.Count), Encoding.ASCII.GetBytes(frag));
                }

                return [.. data];
        }
    }
}
