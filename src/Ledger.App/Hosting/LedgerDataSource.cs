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
    /// once per call.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase) && !connectionString.Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = DefaultMaxAutoPrepare;
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        return builder.Build();
    }
}
