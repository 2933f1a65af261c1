using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ledger.App.Hosting;
using Ledger.EventStore.Hosting;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// The Docker image's entry point without a Docker engine: the command, the environment and the health check of
/// <c>src/Ledger.App/Dockerfile</c> run against a copy of the build in a folder its user cannot write (the image's
/// <c>/app</c>), as a user other than root, with a writable data directory (the image's <c>/data</c> volume).
/// </summary>
[Collection(nameof(ExecutableCollection))]
public sealed class DockerEntryPointTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private static readonly (int Uid, int Gid)? Nobody = PostgresServer.RunningAsRoot ? (65534, 65534) : null;

    private readonly string root = LedgerExecutable.TemporaryPath("ledger-image-");

    private static string[] Dockerfile => File.ReadAllLines(Path.Combine(LedgerExecutable.Root, "src", "Ledger.App", "Dockerfile"));

    [Fact]
    public void The_image_runs_as_a_non_root_user_with_its_data_directory_on_a_volume()
    {
        var lines = Dockerfile;

        Assert.Equal("/data", Instruction(lines, "ENV").Single(l => l.StartsWith(LedgerSettings.HomeVariable + "=", StringComparison.Ordinal))[(LedgerSettings.HomeVariable.Length + 1)..]);
        Assert.Contains("/data", Instruction(lines, "VOLUME"));
        var user = Assert.Single(Instruction(lines, "USER"));
        Assert.NotEqual("root", user);
        Assert.NotEqual("0", user);
        Assert.Equal(["dotnet", "ledger.dll"], Command(lines, "ENTRYPOINT"));
        Assert.Contains(lines, l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(LedgerExecutable.Root, ".dockerignore")));
    }

    [Fact]
    public async Task The_entry_point_serves_and_passes_its_health_check_from_a_read_only_folder_with_a_writable_data_directory()
    {
        var lines = Dockerfile;
        var command = Command(lines, "CMD");
        Assert.Equal(["serve", "--urls", "http://0.0.0.0:8080"], command);
        var (app, data) = Image();
        var before = Directory.GetFileSystemEntries(app).Order(StringComparer.Ordinal).ToArray();
        var environment = new Dictionary<string, string?> { [LedgerSettings.ConnectionVariable] = database.ConnectionString, ["HOME"] = "/nonexistent" };

        // The compose file adds --demo; the address is a free loopback port instead of 0.0.0.0:8080.
        var dll = Path.Combine(app, Command(lines, "ENTRYPOINT")[1]);
        await using var serve = ServeProcess.Start(data, ["--demo"], app, environment, dll, Nobody);
        await serve.WaitForAsync("ledger is listening on");
        var healthCheck = Command(lines, "HEALTHCHECK");
        Assert.Equal(["dotnet", "ledger.dll", "health", "--url", "http://127.0.0.1:8080"], healthCheck);
        var health = await LedgerExecutable.RunAsync(LedgerExecutable.StartInfo(["health", "--url", serve.Address.ToString()], data, app, environment, dll, Nobody));

        Assert.True(health.Exit == 0, health.ToString());
        Assert.Equal(4, Directory.GetFiles(Path.Combine(data, "keys")).Length);
        Assert.Contains("warning: generated development keys in /", serve.Output, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(app).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(0, await serve.StopAsync());
    }

    [Fact]
    public async Task A_data_directory_the_user_cannot_write_is_one_line_and_exit_1()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The image is Linux; file modes are Unix ones.
        }

        var (app, _) = Image();
        var readOnly = Path.Combine(root, "read-only");
        Directory.CreateDirectory(readOnly);
        File.SetUnixFileMode(readOnly, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        var run = await LedgerExecutable.RunAsync(LedgerExecutable.StartInfo(["token", "--role", "patient"], readOnly, app, dll: Path.Combine(app, "ledger.dll"), user: Nobody));

        Assert.Equal(1, run.Exit);
        var line = Assert.Single(run.ErrorLines);
        Assert.StartsWith("ledger: ", line, StringComparison.Ordinal);
        Assert.Contains(readOnly, line, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>The words after each <paramref name="name"/> instruction.</summary>
    private static IEnumerable<string> Instruction(string[] lines, string name) =>
        lines.Where(l => l.StartsWith(name + " ", StringComparison.Ordinal)).SelectMany(l => l[(name.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The exec-form array of an instruction (for HEALTHCHECK, the array after its CMD).</summary>
    private static string[] Command(string[] lines, string name)
    {
        var line = lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return JsonSerializer.Deserialize<string[]>(line[line.IndexOf('[', StringComparison.Ordinal)..]) ?? [];
    }

    /// <summary>A copy of the build owned by root and not writable by the image's user, and a data directory it owns.</summary>
    private (string App, string Data) Image()
    {
        var app = DataDirectoryTests.CopyOfTheBuild(Path.Combine(root, "app"));
        var data = Path.Combine(root, "data");
        Directory.CreateDirectory(data);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(app, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        if (Nobody is { } user)
        {
            using var chown = Process.Start("chown", [$"{user.Uid.ToString(CultureInfo.InvariantCulture)}:{user.Gid.ToString(CultureInfo.InvariantCulture)}", data]);
            chown.WaitForExit();
        }

        return (app, data);
    }
}
