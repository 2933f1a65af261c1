namespace Ledger.App.Hosting;

/// <summary>Where the ledger keeps its data and how it reaches PostgreSQL.</summary>
public sealed record LedgerSettings
{
    /// <summary>Environment variable holding the PostgreSQL connection string.</summary>
    public const string ConnectionVariable = "LEDGER_CONNECTION";

    /// <summary>Environment variable naming the ledger's data directory (local PostgreSQL, development keys).</summary>
    public const string HomeVariable = "LEDGER_HOME";

    /// <summary>A PostgreSQL connection string; null means "use the local server under <see cref="Home"/>".</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The data directory: the local PostgreSQL server and the development keys (see <see cref="DefaultHome"/>).</summary>
    public string Home { get; init; } = DefaultHome();

    /// <summary>The PostgreSQL schema of the store.</summary>
    public string Schema { get; init; } = "ledger";

    /// <summary>The command this process runs (<c>serve</c>, <c>verify</c>, …): names its connections and its use of the local server.</summary>
    public string Command { get; init; } = "ledger";

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
            Home = string.IsNullOrWhiteSpace(home) ? DefaultHome() : Path.GetFullPath(home),
            Schema = configuration["Ledger:Schema"] ?? "ledger",
        };
    }

    /// <summary>
    /// The data directory when <c>LEDGER_HOME</c> is not set: <c>.ledger</c> at the root of the checkout the executable
    /// was built in (the folder holding <c>Ledger.sln</c>, so never under <c>src/</c>, whatever the working directory),
    /// otherwise <c>ledger</c> in the user's data folder (<c>$XDG_DATA_HOME</c> or <c>~/.local/share</c> on Linux).
    /// </summary>
    public static string DefaultHome()
    {
        if (CheckoutRoot(AppContext.BaseDirectory) is { } root)
        {
            return Path.Combine(root, ".ledger");
        }

        var userData = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(userData)
            ? Path.Combine(Environment.CurrentDirectory, ".ledger")
            : Path.Combine(userData, "ledger");
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds <c>Ledger.sln</c>, if any.</summary>
    public static string? CheckoutRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Ledger.sln")))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
