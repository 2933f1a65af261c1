using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ledger.EventStore.Hosting;

/// <summary>
/// Runs a PostgreSQL server from the installed binaries (<c>initdb</c>, <c>pg_ctl</c>) in a data directory:
/// the local server that <c>ledger serve</c> starts when no connection string is configured, and the
/// throwaway clusters of the tests and benchmarks. PostgreSQL refuses to run as root; as root every command
/// goes through <c>runuser -u postgres</c>, in a directory that user owns.
/// </summary>
public sealed class PostgresServer
{
    private PostgresServer(string directory, int port, string pgCtl, bool asPostgres)
    {
        Directory = directory;
        Port = port;
        PgCtl = pgCtl;
        AsPostgres = asPostgres;
    }

    /// <summary>The directory holding <c>data/</c>, the socket and <c>server.log</c>.</summary>
    public string Directory { get; }

    public int Port { get; }

    public string DataDirectory => Path.Combine(Directory, "data");

    public string PgCtl { get; }

    public bool AsPostgres { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database={database};Include Error Detail=false";

    /// <summary>PostgreSQL refuses to run as root; commands then go through <c>runuser -u postgres</c>.</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    /// <summary>
    /// Initialises the directory when it holds no cluster yet, then starts the server on a loopback port.
    /// <paramref name="durable"/> keeps fsync, synchronous_commit and full_page_writes on; off only for tests.
    /// </summary>
    public static async Task<PostgresServer> StartAsync(string directory, bool durable, int? port = null, IReadOnlyList<string>? extraSettings = null, CancellationToken cancellationToken = default)
    {
        var (initDb, pgCtl) = FindBinaries();
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);
        var asPostgres = RunningAsRoot;
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", directory], false, cancellationToken);
        }

        var server = new PostgresServer(directory, port ?? FreePort(), pgCtl, asPostgres);
        if (!File.Exists(Path.Combine(server.DataDirectory, "PG_VERSION")))
        {
            await RunAsync(initDb, ["-D", server.DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", .. durable ? Array.Empty<string>() : ["--no-sync"]], asPostgres, cancellationToken);
        }

        var settings = new List<string>
        {
            "-c listen_addresses=127.0.0.1",
            $"-p {server.Port.ToString(CultureInfo.InvariantCulture)}",
            $"-k {directory}",
            "-c max_connections=200",
            "-c shared_buffers=256MB",
        };
        settings.AddRange(durable
            ? ["-c fsync=on", "-c synchronous_commit=on", "-c full_page_writes=on"]
            : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);
        settings.AddRange(extraSettings ?? []);
        await RunAsync(pgCtl, ["-D", server.DataDirectory, "-w", "-t", "60", "-l", Path.Combine(directory, "server.log"), "-o", string.Join(' ', settings), "start"], asPostgres, cancellationToken);
        return server;
    }

    /// <summary>A server that is already running in <paramref name="directory"/> and listens on <paramref name="port"/>.</summary>
    public static PostgresServer Attach(string directory, int port)
    {
        var (_, pgCtl) = FindBinaries();
        return new PostgresServer(Path.GetFullPath(directory), port, pgCtl, RunningAsRoot);
    }

    /// <summary>Stops the server: <c>fast</c> (clean shutdown) by default, <c>immediate</c> for throwaway clusters.</summary>
    public void Stop(bool immediate = false)
    {
        var (file, args) = Command(PgCtl, ["-D", DataDirectory, "-m", immediate ? "immediate" : "fast", "-w", "stop"], AsPostgres);
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true });
        process?.WaitForExit(60_000);
    }

    public static (string InitDb, string PgCtl) FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(System.IO.Directory.Exists("/usr/lib/postgresql")
                ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var directory in candidates)
        {
            var initDb = Path.Combine(directory, "initdb");
            var pgCtl = Path.Combine(directory, "pg_ctl");
            if (File.Exists(initDb) && File.Exists(pgCtl))
            {
                return (initDb, pgCtl);
            }
        }

        throw new InvalidOperationException("PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin: install postgresql-15, or give a connection string");
    }

    private static (string File, IReadOnlyList<string> Arguments) Command(string file, IReadOnlyList<string> arguments, bool asPostgres) =>
        asPostgres ? ("runuser", ["-u", "postgres", "--", file, .. arguments]) : (file, arguments);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres, CancellationToken cancellationToken)
    {
        var (command, args) = Command(file, arguments, asPostgres);
        var start = new ProcessStartInfo(command, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {(await error).Trim()} {(await output).Trim()}");
        }
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
