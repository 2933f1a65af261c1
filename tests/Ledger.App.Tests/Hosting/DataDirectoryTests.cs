using System.Diagnostics;
using Xunit;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// Where the executable keeps its data when <c>LEDGER_HOME</c> is not set, that git ignores it, that bad command lines
/// change nothing, and the <c>./ledger</c> script at the root of the checkout.
/// </summary>
public sealed class DataDirectoryTests : IDisposable
{
    private readonly List<string> directories = [];

    [Theory]
    [InlineData("")]
    [InlineData("src/Ledger.App")]
    [InlineData("src/Ledger.App/Cli")]
    public async Task Run_from_a_checkout_the_data_directory_is_dot_ledger_at_its_root_wherever_the_working_directory(string workingDirectory)
    {
        var run = await LedgerExecutable.RunAsync(LedgerExecutable.StartInfo(["help"], home: null, Path.Combine(LedgerExecutable.Root, workingDirectory)));

        Assert.Equal(0, run.Exit);
        Assert.Contains($"data directory: {Path.Combine(LedgerExecutable.Root, ".ledger")} (LEDGER_HOME)", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"{Path.DirectorySeparatorChar}src{Path.DirectorySeparatorChar}", run.Output.Split('\n').Last(l => l.Length > 0), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_a_checkout_the_data_directory_is_in_the_users_data_folder()
    {
        var app = CopyOfTheBuild(Temporary("ledger-app-"));
        var userData = Temporary("ledger-xdg-");

        var run = await LedgerExecutable.RunAsync(LedgerExecutable.StartInfo(["help"], home: null, app, new Dictionary<string, string?> { ["XDG_DATA_HOME"] = userData }, Path.Combine(app, "ledger.dll")));

        Assert.Equal(0, run.Exit);
        Assert.Contains($"data directory: {Path.Combine(userData, "ledger")} (LEDGER_HOME)", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".ledger/keys/master.keys")]
    [InlineData(".ledger/postgres/data/PG_VERSION")]
    [InlineData("src/Ledger.App/.ledger/keys/master.keys")]
    [InlineData("secrets/master.keys")]
    public async Task Git_ignores_the_data_directory_and_local_secrets(string path)
    {
        if (!Directory.Exists(Path.Combine(LedgerExecutable.Root, ".git")) && !File.Exists(Path.Combine(LedgerExecutable.Root, ".git")))
        {
            return; // Not a git checkout (a source archive): nothing to check.
        }

        var start = new ProcessStartInfo("git", ["-C", LedgerExecutable.Root, "check-ignore", "--no-index", "-q", path]) { UseShellExecute = false };
        using var git = Process.Start(start)!;
        await git.WaitForExitAsync();

        Assert.True(git.ExitCode == 0, $"git does not ignore {path}");
    }

    [Fact]
    public async Task Development_keys_are_made_once_in_the_data_directory_with_one_warning_and_kept()
    {
        var home = Temporary("ledger-home-");

        var first = await LedgerExecutable.RunAsync(home, "token", "--role", "patient");
        var second = await LedgerExecutable.RunAsync(home, "token", "--role", "patient");

        Assert.Equal(0, first.Exit);
        var warning = Assert.Single(first.ErrorLines);
        Assert.StartsWith($"warning: generated development keys in {Path.Combine(home, "keys")}", warning, StringComparison.Ordinal);
        Assert.Contains("LEDGER_MASTER_KEYS", warning, StringComparison.Ordinal);
        Assert.Contains("_FILE", warning, StringComparison.Ordinal);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(home, "keys")).Length);
        Assert.Equal(0, second.Exit);
        Assert.Empty(second.ErrorLines);
    }

    [Theory]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "serve", "--bogus" }, "unknown option --bogus for serve")]
    [InlineData(new[] { "verify", "--public", "k.pem" }, "unknown option --public for verify")]
    [InlineData(new[] { "projections", "--resume" }, "option --resume needs a value")]
    [InlineData(new[] { "export" }, "export needs --out FILE")]
    [InlineData(new[] { "frobnicate" }, "unknown command 'frobnicate'")]
    public async Task A_bad_command_line_exits_2_with_one_line_and_creates_nothing(string[] args, string message)
    {
        var home = Temporary("ledger-home-");

        var run = await LedgerExecutable.RunAsync(home, args);

        Assert.Equal(2, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("ledger: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.Empty(run.Output);
        Assert.False(Directory.Exists(home));
    }

    /// <summary>
    /// The root's <c>ledger</c> script in a copy of a checkout (the script, <c>Ledger.sln</c>, a source file and the built
    /// ledger in <c>src/Ledger.App/bin/Debug/net10.0</c>), with a stand-in <c>dotnet</c> first on PATH that records
    /// each call and passes all but <c>dotnet build</c> on to the real one: the script builds when it never built
    /// or a source changed, and otherwise runs the built ledger at once.
    /// </summary>
    [Fact]
    public async Task The_ledger_script_runs_the_checkout_s_ledger_by_name_and_builds_only_when_a_source_changed()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // A POSIX shell script.
        }

        var checkout = Temporary("ledger-checkout-");
        CopyOfTheBuild(Path.Combine(checkout, "src", "Ledger.App", "bin", "Debug", "net10.0"));
        File.Copy(Path.Combine(LedgerExecutable.Root, "ledger"), Path.Combine(checkout, "ledger"));
        File.SetUnixFileMode(Path.Combine(checkout, "ledger"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(checkout, "Ledger.sln"), string.Empty);
        var source = Path.Combine(checkout, "src", "Ledger.App", "Program.cs");
        await File.WriteAllTextAsync(source, "// a source\n");
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(-10));
        var tools = Temporary("ledger-path-");
        Directory.CreateDirectory(tools);
        var calls = Path.Combine(tools, "calls");
        var standIn = Path.Combine(tools, "dotnet");
        await File.WriteAllTextAsync(standIn, $"#!/bin/sh\necho \"$1\" >> '{calls}'\n[ \"$1\" = build ] && exit 0\nexec '{LedgerExecutable.Dotnet}' \"$@\"\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(tools, "ledger"), Path.Combine(checkout, "ledger"));

        var first = await Shell("ledger help", tools);
        var firstCalls = await File.ReadAllLinesAsync(calls);
        var second = await Shell("ledger help serve", tools);
        var secondCalls = (await File.ReadAllLinesAsync(calls))[firstCalls.Length..];
        File.SetLastWriteTimeUtc(source, DateTime.UtcNow.AddMinutes(1));
        var afterChange = await Shell("ledger", tools);
        var changeCalls = (await File.ReadAllLinesAsync(calls))[(firstCalls.Length + secondCalls.Length)..];

        Assert.True(first.Exit == 0, first.ToString());
        Assert.Contains($"data directory: {Path.Combine(checkout, ".ledger")} (LEDGER_HOME)", first.Output, StringComparison.Ordinal);
        Assert.Equal(["build", Path.Combine(checkout, "src", "Ledger.App", "bin", "Debug", "net10.0", "ledger.dll")], firstCalls);
        Assert.True(second.Exit == 0, second.ToString());
        Assert.StartsWith("usage: ledger serve", second.Output, StringComparison.Ordinal);
        Assert.Equal([Path.Combine(checkout, "src", "Ledger.App", "bin", "Debug", "net10.0", "ledger.dll")], secondCalls);
        Assert.Equal(2, afterChange.Exit);
        Assert.Equal("ledger: no command given", afterChange.ErrorLines[^1].Split(" (")[0]);
        Assert.Equal("build", changeCalls[0]);
    }

    [Fact]
    public void The_ledger_script_at_the_root_is_executable()
    {
        var script = Path.Combine(LedgerExecutable.Root, "ledger");

        Assert.True(File.Exists(script));
        Assert.StartsWith("#!/bin/sh", File.ReadLines(script).First(), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.True(File.GetUnixFileMode(script).HasFlag(UnixFileMode.UserExecute));
        }
    }

    public void Dispose()
    {
        foreach (var directory in directories.Where(Directory.Exists))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>The built ledger copied outside any checkout, as a published copy would be.</summary>
    internal static string CopyOfTheBuild(string? into = null)
    {
        var app = into ?? LedgerExecutable.TemporaryPath("ledger-app-");
        Directory.CreateDirectory(app);
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(app, Path.GetRelativePath(AppContext.BaseDirectory, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return app;
    }

    private static Task<LedgerRun> Shell(string command, string? pathPrefix)
    {
        var start = LedgerExecutable.StartInfo([], home: null, LedgerExecutable.Root);
        start.FileName = "sh";
        start.ArgumentList.Clear();
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        if (pathPrefix is not null)
        {
            start.Environment["PATH"] = pathPrefix + Path.PathSeparator + start.Environment["PATH"];
        }

        return LedgerExecutable.RunAsync(start, TimeSpan.FromMinutes(4));
    }

    private string Temporary(string prefix)
    {
        var path = LedgerExecutable.TemporaryPath(prefix);
        directories.Add(path);
        return path;
    }
}
