using Ledger.EventStore.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class RotationTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task After_rotation_the_old_master_key_can_be_removed()
    {
        var old = ProtectedStore.NewMasterKey("2025-01");
        var fresh = ProtectedStore.NewMasterKey("2026-01");
        await using var scope = await ProtectedStore.CreateAsync(database, new ConfiguredMasterKeys(old));
        var streams = new List<(Guid Stream, string Text)>();
        for (var i = 0; i < 7; i++)
        {
            var stream = Guid.NewGuid();
            streams.Add((stream, $"note {i}"));
            await scope.AppendForAsync(stream, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted($"note {i}"));
        }

        var erasedSubject = Guid.NewGuid();
        await scope.AppendForAsync(Guid.NewGuid(), erasedSubject, ExpectedVersion.NoStream, new Noted("erased"));
        await scope.Protector.DestroyKeyAsync(erasedSubject);

        var rotating = scope.NewProtector(new ConfiguredMasterKeys(fresh, old));
        Assert.Equal(7, await rotating.RotateMasterKeyAsync(batchSize: 3));
        Assert.Equal(0, await rotating.RotateMasterKeyAsync(batchSize: 3));

        Assert.Equal(7L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.data_keys WHERE master_key_id = '2026-01'"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.data_keys WHERE master_key_id = '2025-01'"));
        var onlyNew = scope.NewStore(scope.NewProtector(new ConfiguredMasterKeys(fresh)));
        foreach (var (stream, text) in streams)
        {
            Assert.Equal(new Noted(text), onlyNew.Deserialize(Assert.Single(await onlyNew.ReadStreamAsync(stream))));
        }

        var another = Guid.NewGuid();
        await ProtectedStore.AppendForAsync(onlyNew, another, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted("after"));
        Assert.Equal(new Noted("after"), onlyNew.Deserialize(Assert.Single(await onlyNew.ReadStreamAsync(another))));
    }

    [Fact]
    public async Task Rotation_does_not_change_payload_ciphertexts_or_the_hash_chain()
    {
        var old = ProtectedStore.NewMasterKey("a");
        await using var scope = await ProtectedStore.CreateAsync(database, new ConfiguredMasterKeys(old));
        await scope.AppendForAsync(Guid.NewGuid(), Guid.NewGuid(), ExpectedVersion.NoStream, new Noted("x"));
        var before = await scope.ScalarAsync<byte[]>("SELECT substring(bdata from 50) FROM {schema}.mt_events");

        Assert.Equal(1, await scope.NewProtector(new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("b"), old)).RotateMasterKeyAsync());

        Assert.Equal(before, await scope.ScalarAsync<byte[]>("SELECT substring(bdata from 50) FROM {schema}.mt_events"));
        Assert.True((await new Verification.StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync()).IsClean);
    }

    [Fact]
    public async Task A_data_key_under_an_unknown_master_key_is_a_clear_error()
    {
        await using var scope = await ProtectedStore.CreateAsync(database, new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("retired")));
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("x"));
        var keyId = await scope.ScalarAsync<Guid>($"SELECT key_id FROM {{schema}}.data_keys WHERE subject_id = '{subject}'");
        var misconfigured = scope.NewProtector(new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("current")));

        var onRead = await Assert.ThrowsAsync<UnknownMasterKeyException>(() => scope.NewStore(misconfigured).ReadStreamAsync(stream));
        var onRotate = await Assert.ThrowsAsync<UnknownMasterKeyException>(() => misconfigured.RotateMasterKeyAsync());

        Assert.Equal(("retired", keyId), (onRead.MasterKeyId, onRead.DataKeyId));
        Assert.Contains("'retired'", onRead.Message, StringComparison.Ordinal);
        Assert.Contains(keyId.ToString(), onRead.Message, StringComparison.Ordinal);
        Assert.Equal(keyId, onRotate.DataKeyId);
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.data_keys WHERE master_key_id = 'retired'"));
    }
}
