using System.Globalization;
using Ledger.Testing;

namespace Ledger.Benchmarks;

/// <summary>Options shared by the benchmarks and the durable cluster they run on.</summary>
internal sealed record BenchOptions(int Seconds, string? Connection)
{
    public static BenchOptions Parse(string[] args, int defaultSeconds)
    {
        var seconds = defaultSeconds;
        string? connection = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length:
                    seconds = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--connection" when i + 1 < args.Length:
                    connection = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }

        return new BenchOptions(seconds, connection);
    }

    /// <summary>A durable cluster (fsync, synchronous_commit, full_page_writes on) and a fresh database on it.</summary>
    public async Task<(PostgresCluster Cluster, string ConnectionString)> StartAsync()
    {
        var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(Durable: true), Connection);
        var connectionString = await cluster.CreateDatabaseAsync("bench");
        Console.WriteLine(Connection is null ? "PostgreSQL: a durable cluster started for this run (fsync=on, synchronous_commit=on, full_page_writes=on)" : "PostgreSQL: the server given by --connection");
        return (cluster, connectionString);
    }
}
