using System.Diagnostics;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class ClusterLifetimeTests
{
    [Fact]
    public async Task A_cluster_is_stopped_and_removed_when_its_owner_process_is_killed()
    {
        if (Environment.GetEnvironmentVariable(PostgresCluster.ConnectionVariable) is { Length: > 0 })
        {
            // With an external server there is no cluster to own; the harness only creates databases on it.
            Assert.False((await PostgresCluster.StartAsync(new PostgresClusterOptions())).Owned);
            return;
        }

        using var owner = Process.Start(new ProcessStartInfo("sleep", "600") { UseShellExecute = false })!;
        var cluster = await PostgresCluster.StartAsync(new PostgresClusterOptions(), ownerProcessId: owner.Id);
        var directory = cluster.Directory!;
        await using (var connection = new NpgsqlConnection(cluster.AdminConnectionString))
        {
            await connection.OpenAsync();
            Assert.True(ServerRunning(directory));
        }

        NpgsqlConnection.ClearAllPools();
        owner.Kill();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((ServerRunning(directory) || System.IO.Directory.Exists(directory)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.False(ServerRunning(directory), "the postgres process outlived its owner");
        Assert.False(System.IO.Directory.Exists(directory), "the cluster's directory outlived its owner");
    }

    private static bool ServerRunning(string directory)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", $"postgres -D {directory}/data"]) { RedirectStandardOutput = true, UseShellExecute = false })!;
        pgrep.WaitForExit();
        return pgrep.ExitCode == 0;
    }
}
