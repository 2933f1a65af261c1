using Ledger.EventStore.Protection;
using Ledger.EventStore.Verification;
using Ledger.Testing;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.Protection;

public sealed class CryptoShreddingTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task After_the_key_is_destroyed_reads_return_the_rows_erased()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Profiled("Ada Pemberton", "Q-1", 42), new Noted("x"));
        var before = await scope.Store.ReadStreamAsync(stream);

        Assert.True(await scope.Protector.DestroyKeyAsync(subject));

        var after = await scope.Store.ReadStreamAsync(stream);
        Assert.Equal(2, after.Count);
        Assert.All(after, e => Assert.True(e.IsErased));
        Assert.All(after, e => Assert.Null(e.Data));
        Assert.Equal(before.Select(e => (e.EventId, e.EventType, e.StreamVersion, e.KeyId, e.RecordedAt)), after.Select(e => (e.EventId, e.EventType, e.StreamVersion, e.KeyId, e.RecordedAt)));
        Assert.True(await scope.Protector.IsDestroyedAsync(subject));
        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.data_keys WHERE subject_id = '{subject}' AND wrapped_key IS NULL AND master_key_id IS NULL AND destroyed_at = '2026-01-10T09:00:00Z'"));
    }

    [Fact]
    public async Task An_erased_event_cannot_be_deserialized_and_aggregation_skips_it()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"), new Noted("b"));
        await scope.Protector.DestroyKeyAsync(subject);

        var erased = new List<long>();
        var (state, version) = await scope.Store.AggregateAsync(stream, 0, (count, _) => count + 1, onErased: e => erased.Add(e.StreamVersion));

        Assert.Equal((0, 2L), (state, version));
        Assert.Equal([1L, 2L], erased);
        var read = await scope.Store.ReadStreamAsync(stream);
        var error = Assert.Throws<PayloadErasedException>(() => scope.Store.Deserialize(read[0]));
        Assert.Equal((stream, 1L), (error.StreamId, error.StreamVersion));
    }

    [Fact]
    public async Task The_hash_chain_still_verifies_after_destruction()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"), new Noted("b"));
        await scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Opened("plain"));

        await scope.Protector.DestroyKeyAsync(subject);
        var report = await new StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync();

        Assert.True(report.IsClean, string.Join("\n", report.Issues));
        Assert.Equal(3, report.EventsChecked);
    }

    [Fact]
    public async Task Other_subjects_still_decrypt()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (erasedStream, erasedSubject) = (Guid.NewGuid(), Guid.NewGuid());
        var (keptStream, keptSubject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(erasedStream, erasedSubject, ExpectedVersion.NoStream, new Noted("gone"));
        await scope.AppendForAsync(keptStream, keptSubject, ExpectedVersion.NoStream, new Noted("kept"));

        await scope.Protector.DestroyKeyAsync(erasedSubject);

        var kept = Assert.Single(await scope.Store.ReadStreamAsync(keptStream));
        Assert.Equal(new Noted("kept"), scope.Store.Deserialize(kept));
        Assert.True(Assert.Single(await scope.Store.ReadStreamAsync(erasedStream)).IsErased);
        Assert.False(await scope.Protector.IsDestroyedAsync(keptSubject));
    }

    [Fact]
    public async Task A_new_append_for_an_erased_subject_is_refused()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        await scope.Protector.DestroyKeyAsync(subject);

        var error = await Assert.ThrowsAsync<SubjectErasedException>(() => scope.AppendForAsync(stream, subject, ExpectedVersion.Exactly(1), new Noted("b")));
        var elsewhere = scope.NewStore(scope.NewProtector(new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"))));
        await Assert.ThrowsAsync<SubjectErasedException>(() => ProtectedStore.AppendForAsync(elsewhere, Guid.NewGuid(), subject, ExpectedVersion.NoStream, new Noted("c")));

        Assert.Equal(subject, error.SubjectId);
        Assert.Contains(subject.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(1L, (await scope.Store.GetStreamAsync(stream))!.Version);
    }

    [Fact]
    public async Task Destroying_is_idempotent_and_says_whether_a_key_was_destroyed()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var subject = Guid.NewGuid();
        await scope.AppendForAsync(Guid.NewGuid(), subject, ExpectedVersion.NoStream, new Noted("a"));

        Assert.True(await scope.Protector.DestroyKeyAsync(subject));
        scope.Clock.Advance(Duration.FromDays(1));
        Assert.False(await scope.Protector.DestroyKeyAsync(subject));

        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.data_keys WHERE subject_id = '{subject}' AND destroyed_at = '2026-01-10T09:00:00Z'"));
    }

    [Fact]
    public async Task Destroying_a_subject_that_has_no_key_yet_keeps_keys_from_being_created_for_it()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var subject = Guid.NewGuid();

        Assert.False(await scope.Protector.IsDestroyedAsync(subject));
        Assert.False(await scope.Protector.DestroyKeyAsync(subject));

        Assert.True(await scope.Protector.IsDestroyedAsync(subject));
        var other = scope.NewStore(scope.NewProtector(new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"))));
        await Assert.ThrowsAsync<SubjectErasedException>(() => ProtectedStore.AppendForAsync(other, Guid.NewGuid(), subject, ExpectedVersion.NoStream, new Noted("a")));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events"));
    }

    [Fact]
    public async Task Another_node_stops_decrypting_a_destroyed_key_once_its_cache_entry_expires()
    {
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, masterKeys, Duration.FromSeconds(30));
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        var otherNode = scope.NewStore(scope.NewProtector(masterKeys, Duration.FromSeconds(30)));
        Assert.False(Assert.Single(await otherNode.ReadStreamAsync(stream)).IsErased);

        await scope.Protector.DestroyKeyAsync(subject);

        Assert.True(Assert.Single(await scope.Store.ReadStreamAsync(stream)).IsErased);
        scope.Clock.Advance(Duration.FromSeconds(29));
        Assert.False(Assert.Single(await otherNode.ReadStreamAsync(stream)).IsErased);
        scope.Clock.Advance(Duration.FromSeconds(1));
        Assert.True(Assert.Single(await otherNode.ReadStreamAsync(stream)).IsErased);
    }

    [Fact]
    public async Task Without_a_cache_another_node_sees_a_destruction_at_once()
    {
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        await using var scope = await ProtectedStore.CreateAsync(database, masterKeys);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"));
        var otherNode = scope.NewStore(scope.NewProtector(masterKeys, Duration.Zero));
        Assert.False(Assert.Single(await otherNode.ReadStreamAsync(stream)).IsErased);

        await scope.Protector.DestroyKeyAsync(subject);

        Assert.True(Assert.Single(await otherNode.ReadStreamAsync(stream)).IsErased);
    }

    [Fact]
    public void A_protector_refuses_a_bad_schema_name_or_a_negative_cache_time()
    {
        using var dataSource = Npgsql.NpgsqlDataSource.Create(database.ConnectionString);
        var masterKeys = new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1"));
        var clock = FakeClock.At(2026, 1, 10);

        Assert.Throws<ArgumentException>(() => new DataKeyProtector(dataSource, "bad; name", masterKeys, clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataKeyProtector(dataSource, "ledger", masterKeys, clock, Duration.FromSeconds(-1)));
        Assert.Equal(Duration.FromSeconds(30), new DataKeyProtector(dataSource, "ledger", masterKeys, clock).CacheTtl);
    }

    [Fact]
    public async Task Reads_use_the_cache_instead_of_querying_the_key_per_row()
    {
        await using var scope = await ProtectedStore.CreateAsync(database);
        var (stream, subject) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendForAsync(stream, subject, ExpectedVersion.NoStream, new Noted("a"), new Noted("b"));
        Assert.Equal(2, (await scope.Store.ReadStreamAsync(stream)).Count);

        // With the key row gone, only the cached key can decrypt.
        await scope.ExecuteAsync($"ALTER TABLE {{schema}}.data_keys RENAME TO data_keys_moved");

        Assert.Equal([new Noted("a"), (object)new Noted("b")], (await scope.Store.ReadStreamAsync(stream)).Select(scope.Store.Deserialize));
    }
}
