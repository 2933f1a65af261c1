using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>
/// The PostgreSQL the ledger uses: the configured one, or a local server under the ledger's home directory,
/// initialised on first use and started for as long as the ledger runs.
/// </summary>
public sealed class Database : IAsyncDisposable
{
    private const string LocalDatabase = "ledger";

    private Database(string connectionString, PostgresServer? localServer)
    {
        ConnectionString = connectionString;
        LocalServer = localServer;
    }

    public string ConnectionString { get; }

    /// <summary>The local server this process started, if any.</summary>
    public PostgresServer? LocalServer { get; }

    public static async Task<Database> OpenAsync(LedgerSettings settings, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        if (settings.ConnectionString is { } configured)
        {
            return new Database(configured, null);
        }

        var directory = Path.Combine(settings.Home, "postgres");
        await log.WriteLineAsync($"no connection string given: starting a local PostgreSQL in {directory}");
        var server = await PostgresServer.StartAsync(directory, durable: true, cancellationToken: cancellationToken);
        await using (var admin = new NpgsqlConnection(server.ConnectionString("postgres")))
        {
            await admin.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", admin);
            exists.Parameters.AddWithValue("n", LocalDatabase);
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE {LocalDatabase}", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return new Database(server.ConnectionString(LocalDatabase), server);
    }

    public ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        LocalServer?.Stop();
        return ValueTask.CompletedTask;
    }
}
