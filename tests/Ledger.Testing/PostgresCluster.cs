using System.Diagnostics;
using System.Globalization;
using Ledger.EventStore.Hosting;
using Npgsql;

namespace Ledger.Testing;

/// <summary>Settings of a throwaway cluster.</summary>
/// <param name="Durable">fsync, synchronous_commit and full_page_writes on (benchmarks); off for tests.</param>
/// <param name="Settings">Further server settings, each <c>name=value</c>.</param>
public sealed record PostgresClusterOptions(bool Durable = false, int MaxConnections = 200, IReadOnlyList<string>? Settings = null);

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

    private readonly PostgresServer? server;
    private int stopped;

    private PostgresCluster(string adminConnectionString, PostgresServer? server)
    {
        AdminConnectionString = adminConnectionString;
        this.server = server;
    }

    /// <summary>Connection string to the <c>postgres</c> database with superuser rights.</summary>
    public string AdminConnectionString { get; }

    /// <summary>The directory of a cluster this object started; null for an external server.</summary>
    public string? Directory => server?.Directory;

    /// <summary>True when this object started the cluster (and will stop it).</summary>
    public bool Owned => server is not null;

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

    /// <summary>
    /// Starts a new cluster, or wraps <c>LEDGER_TEST_CONNECTION</c> when it is set. The cluster is stopped and
    /// removed when the process <paramref name="ownerProcessId"/> (default: this one) ends, however it ends.
    /// </summary>
    public static async Task<PostgresCluster> StartAsync(PostgresClusterOptions options, string? connectionString = null, int? ownerProcessId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        connectionString ??= Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new PostgresCluster(connectionString, null);
        }

        // LEDGER_TEST_RUN names the run in the directory, so a script can check that none of its clusters is left.
        var run = Environment.GetEnvironmentVariable("LEDGER_TEST_RUN");
        var directory = Path.Combine(Path.GetTempPath(), "ledger-pg-" + (string.IsNullOrWhiteSpace(run) ? string.Empty : run + "-") + Guid.NewGuid().ToString("N")[..12]);
        var port = PostgresServer.FreePort();
        StartWatchdog(directory, port, ownerProcessId ?? Environment.ProcessId);
        var server = await PostgresServer.StartAsync(directory, options.Durable, port, [$"-c max_connections={options.MaxConnections.ToString(CultureInfo.InvariantCulture)}", .. (options.Settings ?? []).Select(setting => "-c " + setting)]);
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { MaxPoolSize = 100, IncludeErrorDetail = true };
        return new PostgresCluster(builder.ConnectionString, server);
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
        if (server is null || Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        server.Stop(immediate: true);
        try
        {
            System.IO.Directory.Delete(server.Directory, recursive: true);
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

    /// <summary>
    /// A detached shell that waits for this process to end, however it ends, then stops the cluster and
    /// removes its directory. Started before the server, so no window exists in which a kill leaves it running.
    /// </summary>
    private static void StartWatchdog(string directory, int port, int ownerProcessId)
    {
        var (_, pgCtl) = PostgresServer.FindBinaries();
        var data = Path.Combine(directory, "data");
        var stop = (PostgresServer.RunningAsRoot ? "runuser -u postgres -- " : string.Empty) + $"'{pgCtl}' -D '{data}' -m immediate stop";
        var pid = ownerProcessId.ToString(CultureInfo.InvariantCulture);
        var script = $"while kill -0 {pid} 2>/dev/null; do sleep 0.3; done; [ -d '{data}' ] && {stop} >/dev/null 2>&1; rm -rf '{directory}' # port {port.ToString(CultureInfo.InvariantCulture)}";
        var start = new ProcessStartInfo("setsid", ["sh", "-c", script]) { UseShellExecute = false, RedirectStandardInput = true };
        using var watchdog = Process.Start(start) ?? throw new InvalidOperationException("could not start the cluster watchdog (setsid sh)");
    }
}
