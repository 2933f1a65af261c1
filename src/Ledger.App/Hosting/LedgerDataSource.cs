using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>The application's connection pool to PostgreSQL.</summary>
public static class LedgerDataSource
{
    /// <summary>Statements kept prepared per connection when the connection string does not say.</summary>
    public const int DefaultMaxAutoPrepare = 128;

    /// <summary>
    /// A data source for <paramref name="connectionString"/>. Unless the string sets <c>Max Auto Prepare</c>, the
    /// statements a connection runs at least twice are prepared on it (up to <see cref="DefaultMaxAutoPrepare"/>),
    /// so the server parses and plans the store's and the read side's statements once per connection rather than
    /// once per call. Unless it sets <c>No Reset On Close</c>, a connection returned to the pool is not reset.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!Names(connectionString, "Auto Prepare", "AutoPrepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        if (!Names(connectionString, "Reset On Close", "ResetOnClose"))
        {
            // Nothing here leaves session state on a pooled connection: settings are SET LOCAL, session advisory locks
            // are unlocked and LISTEN connections UNLISTEN explicitly. So a returned connection needs no reset.
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        return builder.Build();
    }

    private static bool Names(string connectionString, params string[] keys) =>
        keys.Any(key => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase));
}
