using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ledger.Testing;

/// <summary>Settings of a throwaway cluster.</summary>
/// <param name="Durable">fsync, synchronous_commit and full_page_writes on (benchmarks); off for tests.</param>
public sealed record PostgresClusterOptions(bool Durable = false, int MaxConnections = 200);

/// <summary>
/// A PostgreSQL cluster started from the installed binaries in a temporary directory, or the server named
/// by <c>LEDGER_TEST_CONNECTION</c>. A watchdog process stops and removes the cluster when the owning
/// process ends, however it ends (normal exit, failure, cancellation, kill), so no <c>postgres</c>
/// process outlives the run.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    public const string ConnectionVariable = "LEDGER_TEST_CONNECTION";

    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static PostgresCluster? shared;

    private readonly string? dataDirectory;
    private readonly string? pgCtl;
    private int stopped;

    private PostgresCluster(string adminConnectionString, string? dataDirectory, string? pgCtl)
    {
        AdminConnectionString = adminConnectionString;
        this.dataDirectory = dataDirectory;
        this.pgCtl = pgCtl;
    }

    /// <summary>Connection string to the <c>postgres</c> database with superuser rights.</summary>
    public string AdminConnectionString { get; }

    /// <summary>True when this object started the cluster (and will stop it).</summary>
    public bool Owned => dataDirectory is not null;

    /// <summary>The one cluster shared by every test of this process; started on first use.</summary>
    public static async Task<PostgresCluster> SharedAsync()
    {
        await SharedGate.WaitAsync();
        try
        {
            if (shared is null)
            {
                shared = await StartAsync(new PostgresClusterOptions());
                var cluster = shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
            }

            return shared;
        }
        finally
        {
            SharedGate.Release();
        }
    }

    /// <summary>Starts a new cluster, or wraps <c>LEDGER_TEST_CONNECTION</c> when it is set.</summary>
    public static async Task<PostgresCluster> StartAsync(PostgresClusterOptions options, string? connectionString = null)
    {
        connectionString ??= Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new PostgresCluster(connectionString, null, null);
        }

        var bin = PostgresBinaries.Find();
        var directory = Path.Combine(Path.GetTempPath(), "ledger-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var asPostgres = PostgresBinaries.RunningAsRoot;
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", directory], false);
        }

        var data = Path.Combine(directory, "data");
        var port = FreePort();
        await RunAsync(bin.InitDb, ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], asPostgres);

        var settings = new List<string>
        {
            "-c listen_addresses=127.0.0.1",
            $"-p {port.ToString(CultureInfo.InvariantCulture)}",
            $"-k {directory}",
            $"-c max_connections={options.MaxConnections.ToString(CultureInfo.InvariantCulture)}",
            "-c shared_buffers=256MB",
        };
        settings.AddRange(options.Durable
            ? ["-c fsync=on", "-c synchronous_commit=on", "-c full_page_writes=on"]
            : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]);

        var cluster = new PostgresCluster(
            $"Host=127.0.0.1;Port={port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100;Include Error Detail=true",
            directory,
            bin.PgCtl);
        StartWatchdog(bin.PgCtl, directory, data, asPostgres);
        await RunAsync(bin.PgCtl, ["-D", data, "-w", "-l", Path.Combine(directory, "server.log"), "-o", string.Join(' ', settings), "start"], asPostgres);
        return cluster;
    }

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 1 + 32, 63)];
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops the cluster at once and removes its files (no-op for an external server).</summary>
    public void Stop()
    {
        if (dataDirectory is null || pgCtl is null || Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var data = Path.Combine(dataDirectory, "data");
        var (file, args) = PostgresBinaries.Command(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"], PostgresBinaries.RunningAsRoot);
        using (var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true }))
        {
            process?.WaitForExit(30_000);
        }

        try
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // The watchdog removes what is left once this process has gone.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    private static void StartWatchdog(string pgCtl, string directory, string data, bool asPostgres)
    {
        var stop = asPostgres
            ? $"runuser -u postgres -- '{pgCtl}' -D '{data}' -m immediate stop"
            : $"'{pgCtl}' -D '{data}' -m immediate stop";
        var pid = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var script = $"while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; {stop} >/dev/null 2>&1; rm -rf '{directory}'";
        var start = new ProcessStartInfo("setsid", ["sh", "-c", script])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("could not start the cluster watchdog (setsid sh)");
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var (command, args) = PostgresBinaries.Command(file, arguments, asPostgres);
        var start = new ProcessStartInfo(command, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} failed with exit code {process.ExitCode}: {await error}{await output}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
