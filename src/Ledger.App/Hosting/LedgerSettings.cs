namespace Ledger.App.Hosting;

/// <summary>Where the ledger keeps its data and how it reaches PostgreSQL.</summary>
public sealed record LedgerSettings
{
    /// <summary>Environment variable holding the PostgreSQL connection string.</summary>
    public const string ConnectionVariable = "LEDGER_CONNECTION";

    /// <summary>Environment variable naming the directory of the local server started when no connection is given.</summary>
    public const string HomeVariable = "LEDGER_HOME";

    /// <summary>A PostgreSQL connection string; null means "start a local server under <see cref="Home"/>".</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The directory for the local PostgreSQL server (default <c>.ledger</c> under the working directory).</summary>
    public string Home { get; init; } = Path.Combine(Environment.CurrentDirectory, ".ledger");

    /// <summary>The PostgreSQL schema of the store.</summary>
    public string Schema { get; init; } = "ledger";

    public static LedgerSettings From(Microsoft.Extensions.Configuration.IConfiguration configuration, string? connectionOverride)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connection = connectionOverride
            ?? Environment.GetEnvironmentVariable(ConnectionVariable)
            ?? configuration.GetConnectionString("Ledger");
        var home = Environment.GetEnvironmentVariable(HomeVariable) ?? configuration["Ledger:Home"];
        return new LedgerSettings
        {
            ConnectionString = string.IsNullOrWhiteSpace(connection) ? null : connection,
            Home = string.IsNullOrWhiteSpace(home) ? Path.Combine(Environment.CurrentDirectory, ".ledger") : Path.GetFullPath(home),
            Schema = configuration["Ledger:Schema"] ?? "ledger",
        };
    }
}
