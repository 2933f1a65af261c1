using System.Runtime.CompilerServices;

namespace Ledger.Domain.Tests.Support;

/// <summary>Finds the test project's source directory so approved files are read from the repository, not bin/.</summary>
public static class SourceDirectory
{
    public static string TestProject { get; } = Locate();

    public static string RepositoryRoot => Path.GetFullPath(Path.Combine(TestProject, "..", ".."));

    private static string Locate([CallerFilePath] string thisFile = "")
    {
        var fromCaller = Path.GetDirectoryName(Path.GetDirectoryName(thisFile));
        if (fromCaller is not null && File.Exists(Path.Combine(fromCaller, "Ledger.Domain.Tests.csproj")))
        {
            return fromCaller;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Ledger.Domain.Tests");
            if (File.Exists(Path.Combine(candidate, "Ledger.Domain.Tests.csproj")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("Cannot find the Ledger.Domain.Tests source directory.");
    }
}
