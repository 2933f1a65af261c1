namespace Ledger.Hl7v2.Tests;

/// <summary>Reads the third-party fixtures straight from the source tree (tests/Ledger.Hl7v2.Tests/fixtures).</summary>
internal static class Fixtures
{
    private static readonly Lazy<string> Root = new(FindRoot);

    public static byte[] Hl7(string name) => File.ReadAllBytes(Path.Combine(Root.Value, "hl7v2", name));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Ledger.Hl7v2.Tests", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }

            var local = Path.Combine(dir.FullName, "fixtures");
            if (Directory.Exists(Path.Combine(local, "hl7v2")))
            {
                return local;
            }

            dir = dir.Parent;
        }

        throw new DirectoryNotFoundException("tests/Ledger.Hl7v2.Tests/fixtures not found above " + AppContext.BaseDirectory);
    }
}
