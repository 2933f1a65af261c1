using Ledger.EventStore.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class ConcurrencyTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Twenty_parallel_first_appends_for_one_subject_create_exactly_one_data_key()
    {
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, masterKeys);
        var subject = Guid.NewGuid();
        var nodes = Enumerable.Range(0, 20).Select(_ => scope.NewStore(scope.NewProtector(masterKeys))).ToList();
        var streams = nodes.Select(_ => Guid.NewGuid()).ToList();

        using var start = new ManualResetEventSlim(false);
        var appends = nodes.Select((node, i) => Task.Run(async () =>
        {
            start.Wait();
            await ProtectedStore.AppendForAsync(node, streams[i], subject, ExpectedVersion.NoStream, new Noted($"writer {i}"));
        })).ToList();
        start.Set();
        await Task.WhenAll(appends);

        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.data_keys"));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(DISTINCT substring(bdata from 2 for 16)) FROM {schema}.mt_events"));
        for (var i = 0; i < streams.Count; i++)
        {
            Assert.Equal(new Noted($"writer {i}"), scope.Store.Deserialize(Assert.Single(await scope.Store.ReadStreamAsync(streams[i]))));
        }
    }
}
