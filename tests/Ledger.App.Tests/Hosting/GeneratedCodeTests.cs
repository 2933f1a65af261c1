using Ledger.App.Cli;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Hosting;

/// <summary>Runs alone: code generation sets a process-wide flag that a host starting meanwhile would see.</summary>
[CollectionDefinition(nameof(GeneratedCodeCollection), DisableParallelization = true)]
public sealed class GeneratedCodeCollection;

/// <summary>
/// Release builds load Wolverine's handler code from <c>src/Ledger.App/Internal/Generated</c> (no Roslyn at run
/// time); this test fails when a handler changed and <c>ledger codegen</c> was not run again.
/// </summary>
[Collection(nameof(GeneratedCodeCollection))]
public sealed class GeneratedCodeTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "ledger-codegen-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task The_committed_handler_code_is_what_codegen_writes_today()
    {
        using var output = new StringWriter();
        var exit = await CodegenCommand.RunAsync(directory, FakeClock.At(2026, 3, 2), output);
        var committed = CodegenCommand.DefaultDirectory();

        Assert.Equal(0, exit);
        var fresh = Files(directory);
        Assert.NotEmpty(fresh);
        Assert.Equal(fresh.Keys.Order(StringComparer.Ordinal), Files(committed).Keys.Order(StringComparer.Ordinal));
        foreach (var (name, text) in fresh)
        {
            Assert.True(text == File.ReadAllText(Path.Combine(committed, name)), $"{name} differs: run `dotnet run --project src/Ledger.App -- codegen`");
        }
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.Exists(root)
            ? Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllText, StringComparer.Ordinal)
            : [];

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
