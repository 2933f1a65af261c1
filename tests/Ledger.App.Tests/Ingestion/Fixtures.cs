namespace Ledger.App.Tests.Ingestion;

/// <summary>Reads the third-party fixtures straight from the source tree (tests/Ledger.App.Tests/fixtures).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static string Directory => Root.Value;

    public static byte[] Hl7(string name) => File.ReadAllBytes(Path.Combine(Root.Value, "hl7v2", name));

    public static byte[] Fhir(string name) => File.ReadAllBytes(Path.Combine(Root.Value, "fhir-r4", name));

    public static IEnumerable<string> AllHl7() =>
        System.IO.Directory.GetFiles(Path.Combine(Root.Value, "hl7v2"), "*.hl7").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    public static IEnumerable<string> AllFhir() =>
        System.IO.Directory.GetFiles(Path.Combine(Root.Value, "fhir-r4"), "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Ledger.App.Tests", "fixtures");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }

            var local = Path.Combine(dir.FullName, "fixtures");
            if (System.IO.Directory.Exists(Path.Combine(local, "hl7v2")))
            {
                return local;
            }

            dir = dir.Parent;
        }

        throw new DirectoryNotFoundException("tests/Ledger.App.Tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
