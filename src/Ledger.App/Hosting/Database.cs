using System.Globalization;
using Ledger.EventStore.Hosting;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>
/// The PostgreSQL the ledger uses: the configured one, or the local server of the ledger's data directory
/// (<see cref="LocalPostgres"/>), shared with the other ledger processes of that directory for as long as one runs.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private readonly LocalPostgres? local;

    private Database(string connectionString, LocalPostgres? local)
    {
        ConnectionString = connectionString;
        this.local = local;
    }

    /// <summary>The connection string, naming this process (<c>Application Name</c>) unless it names one itself.</summary>
    public string ConnectionString { get; }

    /// <summary>The local server, if no connection string was configured.</summary>
    public PostgresServer? LocalServer => local?.Server;

    public static async Task<Database> OpenAsync(LedgerSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        if (settings.ConnectionString is { } configured)
        {
            return new Database(Named(configured, settings.Command), null);
        }

        var local = await LocalPostgres.JoinAsync(Path.Combine(settings.Home, "postgres"), settings.Command, log, cancellationToken);
        return new Database(Named(local.ConnectionString, settings.Command), local);
    }

    /// <summary>
    /// <c>ledger COMMAND (pid N, HOST)</c> as the connections' application name, so that <c>pg_stat_activity</c> and
    /// <c>ledger projections</c> tell which ledger process holds a connection or a lock.
    /// </summary>
    public static string ApplicationName(string command) =>
        string.Create(CultureInfo.InvariantCulture, $"ledger {command} (pid {Environment.ProcessId}, {Environment.MachineName})");

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (local is not null)
        {
            await local.LeaveAsync();
        }
    }

    private static string Named(string connectionString, string command)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ApplicationName(command);
        }

        return builder.ConnectionString;
    }
}
