using Ledger.Testing;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class AppendTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Append_to_a_new_stream_returns_versions_and_positions_and_reads_back_in_order()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();

        var first = await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"), new Deposited(10.50m));
        var second = await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(2), new Withdrawn(3m));

        Assert.Equal(2, first.NextExpectedVersion);
        Assert.Equal([1L, 2L], first.Events.Select(e => e.StreamVersion));
        Assert.Equal(3, second.NextExpectedVersion);
        Assert.True(second.FirstPosition > first.LastPosition);
        var forward = await scope.Store.ReadStreamAsync(id);
        Assert.Equal([1L, 2L, 3L], forward.Select(e => e.StreamVersion));
        Assert.Equal(["accounts.opened.v1", "accounts.deposited.v2", "accounts.withdrawn.v1"], forward.Select(e => e.EventType));
        Assert.Equal(new Deposited(10.50m), scope.Store.Deserialize(forward[1]));
        var backward = await scope.Store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 2);
        Assert.Equal([3L, 2L], backward.Select(e => e.StreamVersion));
        var fromTwo = await scope.Store.ReadStreamAsync(id, 2);
        Assert.Equal([2L, 3L], fromTwo.Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task Sixteen_concurrent_appends_with_the_same_expected_version_let_exactly_one_through()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        using var start = new ManualResetEventSlim(false);
        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            start.Wait();
            try
            {
                await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(i));
                return (Exception?)null;
            }
            catch (Exception ex)
            {
                return ex;
            }
        })).ToList();
        start.Set();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, o => o is null);
        var conflicts = outcomes.Where(o => o is not null).ToList();
        Assert.Equal(15, conflicts.Count);
        Assert.All(conflicts, c =>
        {
            var conflict = Assert.IsType<WrongExpectedVersionException>(c);
            Assert.Equal(id, conflict.StreamId);
            Assert.Equal(1, conflict.Expected.Value);
            Assert.Equal(2, conflict.Actual);
            Assert.Contains("expected version 1, actual 2", conflict.Message, StringComparison.Ordinal);
        });
        Assert.Equal(2, (await scope.Store.GetStreamAsync(id))!.Version);
    }

    [Fact]
    public async Task The_same_event_id_appended_twice_is_stored_once_and_the_repeat_succeeds()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        var opened = new EventToAppend(Guid.NewGuid(), new Opened("a"));
        var deposit = new EventToAppend(Guid.NewGuid(), new Deposited(5));

        var first = await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, [opened, deposit]);
        var again = await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, [opened, deposit]);
        var againWithAny = await scope.Store.AppendAsync(id, "account", ExpectedVersion.Any, [opened, deposit]);
        var againWithExact = await scope.Store.AppendAsync(id, "account", ExpectedVersion.Exactly(0), [opened, deposit]);

        Assert.False(first.AlreadyStored);
        Assert.All([again, againWithAny, againWithExact], r =>
        {
            Assert.True(r.AlreadyStored);
            Assert.Equal(first.Events, r.Events);
            Assert.Equal(2, r.NextExpectedVersion);
        });
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events"));
        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.mt_events WHERE id = '{opened.EventId}'"));
    }

    [Fact]
    public async Task An_event_id_stored_in_another_stream_is_a_clear_conflict()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var shared = new EventToAppend(Guid.NewGuid(), new Opened("a"));
        await scope.Store.AppendAsync(Guid.NewGuid(), "account", ExpectedVersion.NoStream, [shared]);
        var other = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<EventIdConflictException>(() => scope.Store.AppendAsync(other, "account", ExpectedVersion.NoStream, [shared]));

        Assert.Equal(shared.EventId, error.EventId);
        Assert.Null(await scope.Store.GetStreamAsync(other));
    }

    [Fact]
    public async Task Expected_no_stream_on_an_existing_stream_is_a_conflict_naming_the_actual_version()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"), new Deposited(1));

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("b")));

        Assert.True(error.Expected.IsNoStream);
        Assert.Equal(2, error.Actual);
    }

    [Fact]
    public async Task Expected_version_on_a_missing_stream_is_a_conflict_naming_no_stream()
    {
        await using var scope = await StoreScope.CreateAsync(database);

        var error = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.Store.AppendAsync(Guid.NewGuid(), ExpectedVersion.Exactly(3), new Deposited(1)));

        Assert.Null(error.Actual);
        Assert.Contains("actual no stream", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_archived_stream_reads_but_refuses_appends()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        await scope.Store.ArchiveStreamAsync(id);

        var error = await Assert.ThrowsAsync<StreamArchivedException>(() => scope.Store.AppendAsync(id, ExpectedVersion.Any, new Deposited(1)));
        Assert.Contains("archived", error.Message, StringComparison.Ordinal);
        Assert.Single(await scope.Store.ReadStreamAsync(id));
        Assert.True((await scope.Store.GetStreamAsync(id))!.IsArchived);
        await Assert.ThrowsAsync<StreamNotFoundException>(() => scope.Store.ArchiveStreamAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_stream_keeps_its_type()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        await Assert.ThrowsAsync<StreamTypeMismatchException>(() => scope.Store.AppendAsync(id, "other", ExpectedVersion.Any, [EventToAppend.New(new Deposited(1))]));
    }

    [Fact]
    public async Task An_unregistered_event_class_is_refused_before_anything_is_written()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();

        await Assert.ThrowsAsync<Serialization.UnknownEventTypeException>(() => scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Uri("https://example.org")));

        Assert.Null(await scope.Store.GetStreamAsync(id));
    }

    [Fact]
    public async Task Appending_inside_a_caller_transaction_commits_with_it_even_after_other_writes_of_that_transaction()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await using var connection = await scope.DataSource.OpenConnectionAsync();

        await using (var rolledBack = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(rolledBack, id, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("a"))]);
            await rolledBack.RollbackAsync();
        }

        Assert.Null(await scope.Store.GetStreamAsync(id));

        await using (var late = await connection.BeginTransactionAsync())
        {
            await using (var write = new NpgsqlCommand($"CREATE TEMP TABLE scratch (x int); INSERT INTO scratch VALUES (1)", connection, late))
            {
                await write.ExecuteNonQueryAsync();
            }

            // Marten's Quick append takes its sequence numbers inside the transaction, so an append no longer has to
            // be the transaction's first write: rolled back here, it leaves nothing.
            await scope.Store.AppendAsync(late, id, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("a"))]);
            await late.RollbackAsync();
            Assert.Null(await scope.Store.GetStreamAsync(id));
        }

        await using (var committed = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(committed, id, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("a"))]);
            await committed.CommitAsync();
        }

        Assert.Equal(1, (await scope.Store.GetStreamAsync(id))!.Version);
    }

    [Fact]
    public async Task Recorded_at_comes_from_the_clock_and_never_goes_backwards_within_a_stream()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        scope.Clock.Set(Streams.At(12));
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));
        scope.Clock.Set(Streams.At(11));
        await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(1));

        var events = await scope.Store.ReadStreamAsync(id);

        Assert.Equal(Streams.At(12), events[0].RecordedAt);
        Assert.Equal(Streams.At(12), events[1].RecordedAt);
        Assert.Equal(Duration.Zero, events[1].RecordedAt - events[0].RecordedAt);
    }

    [Fact]
    public async Task Metadata_is_stored_and_read_back()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        var metadata = new EventMetadata(Guid.NewGuid(), Guid.NewGuid(), "system", "importer-1", "tenant-a");

        await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, [new EventToAppend(Guid.NewGuid(), new Opened("a"), metadata)]);

        Assert.Equal(metadata, (await scope.Store.ReadStreamAsync(id))[0].Metadata);
    }

    [Fact]
    public async Task Two_nodes_appending_to_one_stream_each_notice_the_other_s_writes()
    {
        await using var nodeA = await StoreScope.CreateAsync(database);
        await using var nodeB = new EventStore(nodeA.DataSource, TestRegistry.Create(), nodeA.Clock, nodeA.Store.Options);
        var id = Guid.NewGuid();

        await nodeA.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));
        await nodeB.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(1));
        await nodeA.Store.AppendAsync(id, ExpectedVersion.Any, new Deposited(2));
        var stale = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => nodeB.AppendAsync(id, ExpectedVersion.Exactly(2), new Deposited(3)));
        await nodeB.AppendAsync(id, ExpectedVersion.Exactly(3), new Deposited(4));
        await nodeA.Store.AppendAsync(id, ExpectedVersion.Exactly(4), new Withdrawn(5));

        Assert.Equal(3, stale.Actual);
        var (state, version) = await nodeA.Store.AggregateAsync(id, new Account(), Account.Evolve);
        Assert.Equal((new Account("a", 2, 5), 5L), (state, version));
        var report = await new Verification.StoreVerifier(nodeA.DataSource, nodeA.Schema).VerifyAsync();
        Assert.True(report.IsClean, string.Join("\n", report.Issues));
    }

    [Fact]
    public async Task A_stream_archived_by_another_node_refuses_an_append_from_a_node_that_knew_its_head()
    {
        await using var nodeA = await StoreScope.CreateAsync(database);
        await using var nodeB = new EventStore(nodeA.DataSource, TestRegistry.Create(), nodeA.Clock, nodeA.Store.Options);
        var id = Guid.NewGuid();
        await nodeA.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        await nodeB.ArchiveStreamAsync(id);

        await Assert.ThrowsAsync<StreamArchivedException>(() => nodeA.Store.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(1)));
    }
}
