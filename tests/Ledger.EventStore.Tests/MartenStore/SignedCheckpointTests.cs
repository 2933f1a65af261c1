using System.Security.Cryptography;
using Ledger.EventStore.Checkpoints;
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.MartenStore;

/// <summary>
/// Signed checkpoints over Marten's tables: what a chain alone cannot show (a tail deleted with its head fixed up, a
/// whole stream deleted, an event slipped in at a covered position with a correct hash) is named by stream and version.
/// </summary>
public sealed class SignedCheckpointTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly string PrivateKey = NewKey();

    private static string NewKey()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return key.ExportPkcs8PrivateKeyPem();
    }

    private static async Task<(MartenScope Scope, CheckpointStore Checkpoints, CheckpointSigner Signer, Guid Stream, Guid Other)> SeededAsync(PostgresDatabase database)
    {
        var scope = await MartenScope.CreateAsync(database);
        var (stream, other) = (Guid.NewGuid(), Guid.NewGuid());
        await scope.AppendAsync(stream, ExpectedVersion.NoStream, new Opened("a"), new Deposited(1m), new Deposited(2m));

        // Sequence number 4 is reserved and never used (as a rolled-back append leaves it).
        await scope.ScalarAsync<long>("SELECT nextval('{schema}.mt_events_sequence')");
        await scope.AppendForAsync(other, Guid.NewGuid(), ExpectedVersion.NoStream, new Noted("x"), new Noted("y"));
        var checkpoints = new CheckpointStore(scope.DataSource, scope.Schema);
        var signer = CheckpointSigner.FromPem(PrivateKey);
        await checkpoints.CreateAsync(signer, scope.Clock.GetCurrentInstant());
        return (scope, checkpoints, signer, stream, other);
    }

    [Fact]
    public async Task Checkpoints_chain_cover_every_stream_head_and_audit_clean_with_appends_after_them()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;

        await scope.AppendAsync(stream, ExpectedVersion.Exactly(3), new Withdrawn(1m));
        var second = await checkpoints.CreateAsync(signer, scope.Clock.GetCurrentInstant());
        await scope.AppendAsync(stream, ExpectedVersion.Exactly(4), new Withdrawn(1m));

        var all = await checkpoints.ListAsync();
        Assert.Equal([1L, 2L], all.Select(c => c.Checkpoint.Sequence));
        Assert.Equal(all[0].Digest(), second.PreviousDigest);
        Assert.Equal(2, second.Checkpoint.Heads.Count);
        Assert.Equal(4L, second.Checkpoint.Heads.Single(h => h.StreamId == stream).Version);
        Assert.Empty(await checkpoints.AuditAsync(signer.PublicKeyPem));
        Assert.True((await scope.VerifyAsync()).IsClean);
    }

    [Fact]
    public async Task The_scheduled_checkpoint_is_signed_only_once_the_latest_is_older_than_the_minimum_age_even_from_several_nodes()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;
        var age = NodaTime.Duration.FromMinutes(7);

        // Several nodes wake on the same schedule right after checkpoint 1: none signs.
        scope.Clock.Advance(NodaTime.Duration.FromMinutes(6));
        var early = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => checkpoints.CreateIfDueAsync(signer, scope.Clock.GetCurrentInstant(), age)));
        Assert.All(early, Assert.Null);

        // Once it is due, four nodes at once sign exactly one checkpoint between them, over the new head.
        await scope.AppendAsync(stream, ExpectedVersion.Exactly(3), new Withdrawn(1m));
        scope.Clock.Advance(NodaTime.Duration.FromMinutes(2));
        var due = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => checkpoints.CreateIfDueAsync(signer, scope.Clock.GetCurrentInstant(), age)));

        var signed = Assert.Single(due, c => c is not null)!;
        Assert.Equal(2L, signed.Checkpoint.Sequence);
        Assert.Equal(4L, signed.Checkpoint.Heads.Single(h => h.StreamId == stream).Version);
        Assert.Equal([1L, 2L], (await checkpoints.ListAsync()).Select(c => c.Checkpoint.Sequence));
        Assert.Empty(await checkpoints.AuditAsync(signer.PublicKeyPem));
    }

    [Fact]
    public async Task Checkpoints_taken_while_eight_writers_append_cover_exactly_what_had_committed_and_audit_clean()
    {
        var (scope, checkpoints, signer, _, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;
        using var stop = new CancellationTokenSource();
        var appended = 0;
        var writers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var stream = Guid.NewGuid();
                await scope.AppendAsync(stream, ExpectedVersion.NoStream, new Opened("w"));
                await scope.AppendAsync(stream, ExpectedVersion.Exactly(1), new Deposited(1m));
                Interlocked.Add(ref appended, 2);
            }
        })).ToList();

        var taken = new List<SignedCheckpoint>();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(100);
            taken.Add(await checkpoints.CreateAsync(signer, scope.Clock.GetCurrentInstant()));
        }

        await stop.CancelAsync();
        await Task.WhenAll(writers);

        // Each checkpoint names every stream head at its position, and an event that committed after it never sits
        // at a position it covers (the audit names such an event as slipped in behind the ledger's back).
        Assert.True(appended > 0);
        Assert.Equal(taken.Select(c => c.Checkpoint.GlobalPosition).Order(), taken.Select(c => c.Checkpoint.GlobalPosition));
        Assert.True(taken[^1].Checkpoint.Heads.Count > taken[0].Checkpoint.Heads.Count);
        Assert.Empty(await checkpoints.AuditAsync(signer.PublicKeyPem));
        Assert.True((await scope.VerifyAsync()).IsClean);
    }

    [Fact]
    public async Task A_tail_deleted_with_its_head_fixed_up_passes_the_chain_but_not_the_checkpoint()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;

        await scope.ExecuteAsync($"DELETE FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 3; UPDATE {{schema}}.mt_streams SET version = 2 WHERE id = '{stream}'");

        Assert.True((await scope.VerifyAsync()).IsClean);
        var finding = Assert.Single(await checkpoints.AuditAsync(signer.PublicKeyPem));
        Assert.Equal((CheckpointFindingKind.HeadMissing, stream, 3L), (finding.Kind, finding.StreamId, finding.Version));
    }

    [Fact]
    public async Task A_whole_stream_deleted_is_named()
    {
        var (scope, checkpoints, signer, _, other) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;

        await scope.ExecuteAsync($"DELETE FROM {{schema}}.mt_events WHERE stream_id = '{other}'; DELETE FROM {{schema}}.mt_streams WHERE id = '{other}'");

        Assert.True((await scope.VerifyAsync()).IsClean);
        var finding = Assert.Single(await checkpoints.AuditAsync(signer.PublicKeyPem));
        Assert.Equal((CheckpointFindingKind.StreamMissing, other), (finding.Kind, finding.StreamId));
    }

    [Fact]
    public async Task An_event_slipped_in_at_a_covered_position_with_a_correctly_recomputed_hash_is_named()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;

        // Someone with database rights appends version 4 with a chain hash computed exactly as the ledger would,
        // at a sequence number the checkpoint covers: the unused 4, below its position, after the stream's last event.
        var head = await scope.ScalarAsync<string>($"SELECT headers ->> '{EventStore.HashHeader}' FROM {{schema}}.mt_events WHERE stream_id = '{stream}' AND version = 3");
        var at = scope.Clock.GetCurrentInstant();
        var stored = Forge.StoredPayloadFor("{\"amount\":500}");
        var id = Guid.NewGuid();
        var hash = EventStore.Hash(Convert.FromHexString(head), stream, 4, id, "accounts.withdrawn.v1", at, "{}", stored);
        await scope.ExecuteAsync($$"""
            INSERT INTO {schema}.mt_events (seq_id, id, stream_id, version, data, bdata, type, timestamp, headers)
            VALUES (4, '{{id}}', '{{stream}}', 4, '{}', '\x{{Convert.ToHexStringLower(stored)}}', 'accounts.withdrawn.v1', '{{at.ToDateTimeOffset():O}}',
                    jsonb_build_object('{{EventStore.HashHeader}}', '{{Convert.ToHexStringLower(hash)}}', '{{EventStore.MetadataHeader}}', '{}'));
            UPDATE {schema}.mt_streams SET version = 4 WHERE id = '{{stream}}'
            """);

        Assert.True((await scope.VerifyAsync()).IsClean, "the forged event chains correctly");
        var finding = Assert.Single(await checkpoints.AuditAsync(signer.PublicKeyPem));
        Assert.Equal((CheckpointFindingKind.AppendedBehind, stream, 4L), (finding.Kind, finding.StreamId, finding.Version));
    }

    [Fact]
    public async Task A_checkpoint_line_changed_in_the_database_or_checked_with_another_key_fails_its_signature()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;
        using var stranger = CheckpointSigner.FromPem(NewKey());

        Assert.Contains(await checkpoints.AuditAsync(stranger.PublicKeyPem), f => f.Kind == CheckpointFindingKind.BadSignature);

        await scope.ExecuteAsync($"UPDATE {{schema}}.checkpoints SET line = replace(line, '\"version\":3', '\"version\":2')");

        Assert.Contains(await checkpoints.AuditAsync(signer.PublicKeyPem), f => f.Kind == CheckpointFindingKind.BadSignature);
        Assert.NotEqual(Guid.Empty, stream);
    }

    [Fact]
    public async Task A_checkpoint_waits_for_appends_in_flight_so_none_commits_at_a_position_it_covers()
    {
        var (scope, checkpoints, signer, stream, _) = await SeededAsync(database);
        await using var _ = scope;
        using var __ = signer;
        await using var connection = await scope.DataSource.OpenConnectionAsync();
        await using var open = await connection.BeginTransactionAsync();
        await scope.Store.AppendAsync(open, stream, "account", ExpectedVersion.Exactly(3), [EventToAppend.New(new Withdrawn(1m))]);

        var taking = checkpoints.CreateAsync(signer, scope.Clock.GetCurrentInstant());
        await Task.Delay(500);
        Assert.False(taking.IsCompleted, "the checkpoint must wait for the open append");
        await open.CommitAsync();
        var second = await taking;

        Assert.Equal(4L, second.Checkpoint.Heads.Single(h => h.StreamId == stream).Version);
        Assert.Empty(await checkpoints.AuditAsync(signer.PublicKeyPem));
    }
}

internal static class Forge
{
    public static byte[] StoredPayloadFor(string json) => global::Ledger.EventStore.MartenStore.StoredPayload.ForClear(System.Text.Encoding.UTF8.GetBytes(json));
}
