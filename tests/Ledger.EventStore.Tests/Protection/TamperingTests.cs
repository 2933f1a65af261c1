using System.Security.Cryptography;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Verification;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class TamperingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_changed_ciphertext_byte_is_reported_naming_the_key()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("original"));
        var keyId = await KeyIdAsync(scope, subject);

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = set_byte(bdata, 49 + 40, (get_byte(bdata, 49 + 40) + 1) % 256) WHERE stream_id = '{stream}'");

        var error = await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream));
        Assert.Equal(keyId, error.KeyId);
        Assert.Contains(keyId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<CryptographicException>(error.InnerException);
        var issue = Assert.Single((await new StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync()).Issues);
        Assert.Equal((IssueKind.Changed, stream), (issue.Kind, issue.StreamId));
    }

    [Fact]
    public async Task A_changed_tag_or_nonce_or_version_byte_is_reported_too()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        var original = await scope.ScalarAsync<byte[]>($"SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{stream}'");

        foreach (var index in new[] { 0, 5, 20 })
        {
            await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = set_byte(bdata, 49 + {index}, (get_byte(bdata, 49 + {index}) + 1) % 256) WHERE stream_id = '{stream}'");
            var error = await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream));
            Assert.Equal(await KeyIdAsync(scope, subject), error.KeyId);
            await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = substring(bdata from 1 for 49) || '\\x{Convert.ToHexStringLower(original)}'::bytea WHERE stream_id = '{stream}'");
        }

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events SET bdata = substring(bdata from 1 for 69) WHERE stream_id = '{stream}'");
        var truncated = await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream));
        Assert.Contains("header", truncated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_ciphertext_moved_to_another_row_of_the_same_subject_fails_authentication()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("first"), new Noted("second"));

        await scope.ExecuteAsync($"UPDATE {{schema}}.mt_events e SET bdata = substring(e.bdata from 1 for 49) || (SELECT substring(bdata from 50) FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 2) WHERE stream_id = '{stream}' AND version = 1");

        await Assert.ThrowsAsync<PayloadTamperedException>(() => scope.Store.ReadStreamAsync(stream, maxCount: 1));
    }

    [Fact]
    public async Task A_changed_wrapped_key_is_reported_naming_the_data_key_and_the_master_key()
    {
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, masterKeys);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        var keyId = await KeyIdAsync(scope, subject);

        await scope.ExecuteAsync($"UPDATE {{schema}}.data_keys SET wrapped_key = set_byte(wrapped_key, 40, (get_byte(wrapped_key, 40) + 1) % 256) WHERE subject_id = '{subject}'");
        var otherNode = scope.NewStore(scope.NewProtector(masterKeys));

        var error = await Assert.ThrowsAsync<DataKeyCorruptedException>(() => otherNode.ReadStreamAsync(stream));
        Assert.Equal((keyId, "m1"), (error.DataKeyId, error.MasterKeyId));
        Assert.Contains(keyId.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrapped_key_copied_to_another_subject_does_not_unwrap()
    {
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, masterKeys);
        var (stream, subject, victim) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        await scope.AppendForAsync(Guid.NewGuid(), victim, ExpectedVersion.NoStream, new Noted("b"));

        await scope.ExecuteAsync($"UPDATE {{schema}}.data_keys SET wrapped_key = (SELECT wrapped_key FROM {{schema}}.data_keys WHERE subject_id = '{victim}') WHERE subject_id = '{subject}'");
        var otherNode = scope.NewStore(scope.NewProtector(masterKeys));

        await Assert.ThrowsAsync<DataKeyCorruptedException>(() => otherNode.ReadStreamAsync(stream));
    }

    private static Task<Guid> KeyIdAsync(ProtectedStore scope, Guid subject) =>
        scope.ScalarAsync<Guid>($"SELECT key_id FROM {{schema}}.data_keys WHERE subject_id = '{subject}'");
}
