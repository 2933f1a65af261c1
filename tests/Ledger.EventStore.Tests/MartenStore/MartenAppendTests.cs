
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests.MartenStore;

public sealed class MartenAppendTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Events_are_held_by_Marten_under_their_stored_names_with_no_CLR_name_in_the_database()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();

        var first = await scope.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"), new Deposited(10.50m));
        var second = await scope.AppendAsync(id, ExpectedVersion.Exactly(2), new Withdrawn(3m));

        Assert.Equal(2, first.NextExpectedVersion);
        Assert.Equal(3, second.NextExpectedVersion);
        Assert.True(second.FirstPosition > first.LastPosition);
        Assert.Equal(3L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events"));
        Assert.Equal("accounts.opened.v1,accounts.deposited.v2,accounts.withdrawn.v1",
            await scope.ScalarAsync<string>("SELECT string_agg(type, ',' ORDER BY version) FROM {schema}.mt_events"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events WHERE coalesce(mt_dotnet_type, '') <> ''"));
        Assert.Equal("account", await scope.ScalarAsync<string>($"SELECT type FROM {{schema}}.mt_streams WHERE id = '{id}'"));
        var read = await scope.Store.ReadStreamAsync(id);
        Assert.Equal([1L, 2L, 3L], read.Select(e => e.StreamVersion));
        Assert.Equal(new Deposited(10.50m), scope.Store.Deserialize(read[1]));
        Assert.Equal(scope.Clock.GetCurrentInstant(), read[0].RecordedAt);
        var backward = await scope.Store.ReadStreamAsync(id, long.MaxValue, ReadDirection.Backward, 2);
        Assert.Equal([3L, 2L], backward.Select(e => e.StreamVersion));
    }

    [Fact]
    public async Task A_stale_expected_version_is_refused_and_writes_nothing()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        var stale = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.AppendAsync(id, ExpectedVersion.NoStream, new Deposited(1m)));
        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.AppendAsync(id, ExpectedVersion.Exactly(5), new Deposited(1m)));

        Assert.Equal(1L, stale.Actual);
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events"));
    }

    [Fact]
    public async Task Repeating_an_append_with_the_same_event_ids_stores_nothing_twice()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        var events = new[] { EventToAppend.New(new Opened("a")), EventToAppend.New(new Deposited(2m)) };

        var first = await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, events);
        var again = await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, events);
        var anyVersion = await scope.Store.AppendAsync(id, "account", ExpectedVersion.Any, events);

        Assert.False(first.AlreadyStored);
        Assert.True(again.AlreadyStored);
        Assert.True(anyVersion.AlreadyStored);
        Assert.Equal(first.Events, again.Events);
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.mt_events"));
    }

    [Fact]
    public async Task An_event_id_stored_in_another_stream_is_a_conflict_that_writes_nothing()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var reused = EventToAppend.New(new Opened("a"));
        await scope.Store.AppendAsync(Guid.NewGuid(), "account", ExpectedVersion.NoStream, [reused]);

        var other = Guid.NewGuid();
        await Assert.ThrowsAsync<EventIdConflictException>(() => scope.Store.AppendAsync(other, "account", ExpectedVersion.NoStream, [reused]));

        Assert.Null(await scope.Store.GetStreamAsync(other));
    }

    [Fact]
    public async Task Concurrent_any_version_appends_to_one_stream_all_land_on_one_unbroken_chain()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 10; i++)
            {
                await scope.AppendAsync(id, ExpectedVersion.Any, new Counted(w, i));
            }
        })));

        Assert.Equal(81L, (await scope.Store.GetStreamAsync(id))!.Version);
        var report = await scope.VerifyAsync();
        Assert.True(report.IsClean, string.Join("\n", report.Issues));
        Assert.Equal(81L, report.EventsChecked);
    }

    [Fact]
    public async Task Archived_streams_and_streams_of_another_type_refuse_appends()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var archived = Guid.NewGuid();
        var typed = Guid.NewGuid();
        await scope.AppendAsync(archived, ExpectedVersion.NoStream, new Opened("a"));
        await scope.AppendAsync(typed, ExpectedVersion.NoStream, new Opened("b"));

        await scope.Store.ArchiveStreamAsync(archived);

        await Assert.ThrowsAsync<StreamArchivedException>(() => scope.AppendAsync(archived, ExpectedVersion.Any, new Deposited(1m)));
        await Assert.ThrowsAsync<StreamTypeMismatchException>(() => scope.Store.AppendAsync(typed, "subject", ExpectedVersion.Any, [EventToAppend.New(new Deposited(1m))]));
        Assert.True((await scope.Store.GetStreamAsync(archived))!.IsArchived);
        Assert.Single(await scope.Store.ReadStreamAsync(archived));
    }

    [Fact]
    public async Task A_stream_reads_as_of_a_version_or_an_instant()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        await scope.AppendAsync(id, ExpectedVersion.NoStream, new Opened("a"), new Deposited(10m));
        var between = scope.Clock.GetCurrentInstant();
        scope.Clock.Advance(Duration.FromHours(1));
        await scope.AppendAsync(id, ExpectedVersion.Exactly(2), new Withdrawn(4m));

        var now = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve);
        var atVersion = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve, StreamPoint.AtVersion(1));
        var atInstant = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve, StreamPoint.AtInstant(between));

        Assert.Equal((new Account("a", 6m, 3), 3L), now);
        Assert.Equal((new Account("a", 0m, 1), 1L), atVersion);
        Assert.Equal((new Account("a", 10m, 2), 2L), atInstant);
    }

    [Fact]
    public async Task Metadata_is_kept_in_Marten_headers_and_read_back()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        var metadata = new EventMetadata(Guid.NewGuid(), Guid.NewGuid(), "patient", "p-1");

        await scope.Store.AppendAsync(id, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("a"), metadata)]);

        Assert.Equal(metadata, (await scope.Store.ReadStreamAsync(id))[0].Metadata);
        Assert.Equal("patient", await scope.ScalarAsync<string>($"SELECT (headers ->> '{EventStore.MetadataHeader}')::jsonb ->> 'actorKind' FROM {{schema}}.mt_events"));
    }

    [Fact]
    public async Task Sealed_payloads_leave_nothing_readable_in_Marten_tables_and_read_as_erased_after_shredding_while_the_chain_verifies()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        var id = Guid.NewGuid();
        var subject = Guid.NewGuid();
        await scope.AppendForAsync(id, subject, ExpectedVersion.NoStream, new Profiled("Иванова Мария", "112-233-445 95", 4242424242));

        var stored = await scope.ScalarAsync<string>("SELECT string_agg(encode(bdata, 'escape') || data::text || headers::text, '') FROM {schema}.mt_events");
        Assert.DoesNotContain("Иванова", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("4242424242", stored, StringComparison.Ordinal);
        Assert.Equal(new Profiled("Иванова Мария", "112-233-445 95", 4242424242), scope.Store.Deserialize((await scope.Store.ReadStreamAsync(id))[0]));

        await scope.Protector.DestroyKeyAsync(subject);
        var erased = await scope.Store.ReadStreamAsync(id);

        Assert.True(erased[0].IsErased);
        Assert.Throws<PayloadErasedException>(() => scope.Store.Deserialize(erased[0]));
        Assert.True((await scope.VerifyAsync()).IsClean);
    }

    [Fact]
    public async Task A_clear_control_payload_is_found_by_the_same_search()
    {
        await using var scope = await MartenScope.CreateAsync(database);
        await scope.AppendAsync(Guid.NewGuid(), ExpectedVersion.NoStream, new Noted("Иванова 4242424242"));

        var stored = await scope.ScalarAsync<string>("SELECT string_agg(convert_from(substring(bdata from 2), 'UTF8'), '') FROM {schema}.mt_events");

        Assert.Contains("Иванова", stored, StringComparison.Ordinal);
        Assert.Contains("4242424242", stored, StringComparison.Ordinal);
    }
}
