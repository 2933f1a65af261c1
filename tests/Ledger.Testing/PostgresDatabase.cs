using Xunit;

namespace Ledger.Testing;

/// <summary>
/// A fresh, empty database on the shared cluster for one test class (<c>IClassFixture&lt;PostgresDatabase&gt;</c>);
/// dropped when the class is done.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private PostgresCluster? cluster;

    public string ConnectionString { get; private set; } = string.Empty;

    public PostgresCluster Cluster => cluster ?? throw new InvalidOperationException("the database is not created yet");

    public async Task InitializeAsync()
    {
        cluster = await PostgresCluster.SharedAsync();
        ConnectionString = await cluster.CreateDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (cluster is not null && ConnectionString.Length > 0)
        {
            await cluster.DropDatabaseAsync(ConnectionString);
        }
    }
}
