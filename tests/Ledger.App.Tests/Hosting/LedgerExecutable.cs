using System.Diagnostics;
using System.Globalization;
using System.Text;
using Ledger.App.Hosting;
using Ledger.EventStore.Hosting;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// The tests that start <c>ledger serve</c> as a child process (each with its own durable local PostgreSQL, or the
/// Docker entry point) run one class at a time, after the others: on a small machine their processes would otherwise
/// compete with the in-process tests for the cores.
/// </summary>
[Xunit.CollectionDefinition(nameof(ExecutableCollection), DisableParallelization = true)]
public sealed class ExecutableCollection;

/// <summary>What a finished <c>ledger</c> process left: its exit code, its output and how long it ran.</summary>
public sealed record LedgerRun(int Exit, string Output, string Error, TimeSpan Elapsed)
{
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {Exit} after {Elapsed.TotalSeconds:F2} s\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>
/// Runs the real <c>ledger</c> executable (<c>dotnet ledger.dll</c>, the build copied beside the tests) as a child
/// process with its own data directory, as a user would from a terminal. Nothing of the test process's
/// <c>LEDGER_*</c> environment reaches it unless given.
/// </summary>
public static class LedgerExecutable
{
    /// <summary>The built <c>ledger.dll</c> (with its runtimeconfig and deps) in the tests' output directory.</summary>
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "ledger.dll");

    /// <summary>The checkout the tests run from.</summary>
    public static string Root { get; } = LedgerSettings.CheckoutRoot(AppContext.BaseDirectory) ?? throw new InvalidOperationException("the tests do not run from a checkout");

    /// <summary>The <c>dotnet</c> host running the tests.</summary>
    public static string Dotnet { get; } = FindDotnet();

    /// <summary>A fresh temporary directory path (not created).</summary>
    public static string TemporaryPath(string prefix) => Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..10]);

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, string? home, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, string? dll = null, (int Uid, int Gid)? user = null)
    {
        var arguments = new List<string> { dll ?? Dll };
        arguments.AddRange(args);
        var start = user is { } u
            ? new ProcessStartInfo("setpriv", ["--reuid", u.Uid.ToString(CultureInfo.InvariantCulture), "--regid", u.Gid.ToString(CultureInfo.InvariantCulture), "--clear-groups", "--", Dotnet, .. arguments])
            : new ProcessStartInfo(Dotnet, arguments);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        start.WorkingDirectory = workingDirectory ?? Path.GetTempPath();
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("LEDGER_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        if (home is not null)
        {
            start.Environment[LedgerSettings.HomeVariable] = home;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[name] = value;
        }

        return start;
    }

    /// <summary>Runs <c>ledger ARGS</c> to its end (at most <paramref name="timeout"/>, default 2 minutes).</summary>
    public static Task<LedgerRun> RunAsync(string? home, params string[] args) => RunAsync(StartInfo(args, home));

    public static async Task<LedgerRun> RunAsync(ProcessStartInfo start, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(start);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + start.FileName);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', start.ArgumentList)} did not end: {await output} {await error}");
        }

        return new LedgerRun(process.ExitCode, await output, await error, clock.Elapsed);
    }

    /// <summary>Sends SIGTERM (what Ctrl-C, <c>docker stop</c> and systemd send) to a process.</summary>
    public static void Terminate(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>True while a process with this id runs.</summary>
    public static bool Runs(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>The postmaster's process id of the local server in <paramref name="home"/>, from its postmaster.pid; null when none.</summary>
    public static int? Postmaster(string home)
    {
        var file = Path.Combine(home, "postgres", "data", "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).First(), CultureInfo.InvariantCulture, out var pid) && Runs(pid) ? pid : null;
    }

    /// <summary>
    /// A detached shell that, once this test process has ended however it ended, kills <paramref name="pid"/>, stops
    /// the local PostgreSQL of <paramref name="home"/> and removes the directory: a failed or killed run leaves nothing.
    /// </summary>
    public static void Watch(int pid, string home)
    {
        var (_, pgCtl) = PostgresServer.FindBinaries();
        var data = Path.Combine(home, "postgres", "data");
        var stop = (PostgresServer.RunningAsRoot ? "runuser -u postgres -- " : string.Empty) + $"'{pgCtl}' -D '{data}' -m immediate stop";
        var owner = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var script = $"while kill -0 {owner} 2>/dev/null; do sleep 0.5; done; kill -9 {pid.ToString(CultureInfo.InvariantCulture)} 2>/dev/null; [ -d '{data}' ] && {stop} >/dev/null 2>&1; rm -rf '{home}'";
        using var watchdog = Process.Start(new ProcessStartInfo("setsid", ["sh", "-c", script]) { UseShellExecute = false, RedirectStandardInput = true });
    }

    /// <summary>Stops the local PostgreSQL of <paramref name="home"/> if one is left, then removes the directory.</summary>
    public static void Remove(string home)
    {
        if (Postmaster(home) is not null)
        {
            PostgresServer.Attach(Path.Combine(home, "postgres"), 0).Stop(immediate: true);
        }

        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        if (Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            return path;
        }

        return "dotnet";
    }
}

/// <summary>A running <c>ledger serve</c> child process, its output collected as it comes.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServeProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>Standard output and error so far, interleaved as they came.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts <c>ledger serve --urls http://127.0.0.1:PORT [extra]</c> with <paramref name="home"/> as its data directory.</summary>
    public static ServeProcess Start(string? home, IEnumerable<string>? extra = null, string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null, string? dll = null, (int Uid, int Gid)? user = null, string command = "serve")
    {
        var address = new Uri($"http://127.0.0.1:{PostgresServer.FreePort().ToString(CultureInfo.InvariantCulture)}");
        var start = LedgerExecutable.StartInfo([command, "--urls", address.ToString().TrimEnd('/'), .. extra ?? []], home, workingDirectory, environment, dll, user);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ledger serve");
        var serve = new ServeProcess(process, address);
        process.OutputDataReceived += (_, e) => serve.Append(e.Data);
        process.ErrorDataReceived += (_, e) => serve.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (home is not null)
        {
            LedgerExecutable.Watch(process.Id, home);
        }

        return serve;
    }

    /// <summary>Waits until <paramref name="line"/> appears in the output (and <c>/health</c> answers 200).</summary>
    public async Task WaitForAsync(string line, TimeSpan? timeout = null)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < (timeout ?? TimeSpan.FromMinutes(2)))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"ledger serve ended with exit code {process.ExitCode}:\n{Output}");
            }

            if (Output.Contains(line, StringComparison.Ordinal))
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"ledger serve did not print '{line}' and answer /health in time:\n{Output}");
    }

    /// <summary>The end of a killed process: SIGKILL, nothing runs in it any more (no shutdown, no cleanup).</summary>
    public void KillHard()
    {
        process.Kill();
        process.WaitForExit();
    }

    /// <summary>Stops it as Ctrl-C would (SIGTERM) and returns its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!process.HasExited)
        {
            LedgerExecutable.Terminate(process.Id);
            using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
            await process.WaitForExitAsync(limit.Token);
        }

        process.WaitForExit();
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }

        process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}
