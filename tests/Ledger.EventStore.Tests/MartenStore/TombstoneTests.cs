using System.Security.Cryptography;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.MartenStore;

/// <summary>
/// A unit of work that fails inside Marten after drawing sequence numbers leaves Marten's <c>tombstone</c> events in
/// a stream of its own. They are bookkeeping, not the ledger's: verify, checkpoints, the head and the global log leave
/// them out; a <c>tombstone</c> slipped into one of the ledger's streams is still found.
/// </summary>
public sealed class TombstoneTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_failed_append_leaves_tombstones_that_verify_checkpoints_the_head_and_the_log_leave_out()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        await scope.ExecuteAsync("CREATE TABLE {schema}.notes (id uuid PRIMARY KEY)");
        var taken = Guid.NewGuid();
        await scope.ExecuteAsync($"INSERT INTO {{schema}}.notes VALUES ('{taken}')");
        var kept = Guid.NewGuid();
        var first = await scope.AppendAsync(kept, ExpectedVersion.NoStream, new Opened("a"));

        // The write beside the events fails in Marten's batch, after the events drew their sequence numbers.
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.Store.AppendAsync(
            Guid.NewGuid(), "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("b")), EventToAppend.New(new Deposited(1m))],
            new AppendOptions { Writes = [SqlWrite.Of($"INSERT INTO {scope.Schema}.notes VALUES (@id)", ("id", taken))] }));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events WHERE type = 'tombstone'") < 2)
        {
            // Marten writes them off the failed save's path, on a connection of its own.
            Assert.True(DateTime.UtcNow < deadline, "Marten wrote no tombstones");
            await Task.Delay(50);
        }


        Assert.True((await scope.VerifyAsync()).IsClean);
        Assert.Equal(first.LastPosition, (await scope.Store.GetHeadAsync())!.Value.Position);
        Assert.Equal([kept], (await scope.Store.ReadAllAsync(0, 100)).Select(e => e.StreamId).ToArray());
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var signer = CheckpointSigner.FromPem(key.ExportPkcs8PrivateKeyPem());
        var checkpoints = new CheckpointStore(scope.DataSource, scope.Schema);
        var checkpoint = await checkpoints.CreateAsync(signer, scope.Clock.GetCurrentInstant());
        Assert.Equal([kept], checkpoint.Checkpoint.Heads.Select(h => h.StreamId).ToArray());
        Assert.Empty(await checkpoints.AuditAsync(signer.PublicKeyPem));

        // The rule is narrow: an event named "tombstone" in one of the ledger's streams is tampering.
        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET type = 'tombstone' WHERE stream_id = '{kept}'");
        var report = await scope.VerifyAsync();
        Assert.False(report.IsClean);
        Assert.Contains(report.Issues, i => i.StreamId == kept && i.StreamVersion == 1);
    }
}
