using Ledger.EventStore.Messaging;
using Ledger.Testing;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Messaging;

public sealed class DispatcherTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_failing_handler_is_retried_with_growing_delays_then_dead_lettered_and_a_replay_after_a_fix_handles_it_once()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, handler) = await MessagingTesting.CreateAsync(scope);
        handler.FailWith = _ => new InvalidOperationException("mail server refused");
        await using var dispatcher = new MessageDispatcher(outbox, MessagingTesting.Handlers(handler), scope.Clock, MessagingTesting.Options("a"));
        var id = Guid.NewGuid();
        await outbox.SendAsync([new OutgoingMessage(new Ping(1), MessageId: id)]);

        var gaps = new List<Duration>();
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var claimedAt = scope.Clock.GetCurrentInstant();
            Assert.Equal(1, await dispatcher.RunOnceAsync());
            var dueAt = Instant.FromDateTimeUtc(DateTime.SpecifyKind(await scope.ScalarAsync<DateTime>("SELECT due_at FROM {schema}.messages"), DateTimeKind.Utc));
            gaps.Add(dueAt - claimedAt);
            Assert.Equal(0, await dispatcher.RunOnceAsync()); // not before its new due time
            Assert.Equal("InvalidOperationException: mail server refused", await scope.ScalarAsync<string>("SELECT last_error FROM {schema}.messages"));
            scope.Clock.Set(dueAt);
        }

        Assert.True(gaps[0] < gaps[1] && gaps[1] < gaps[2], string.Join(", ", gaps));
        Assert.InRange(gaps[0].TotalSeconds, 5, 10);
        Assert.Equal(1, await dispatcher.RunOnceAsync());
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages"));
        var dead = Assert.Single(await dispatcher.ListDeadLettersAsync());
        Assert.Equal(id, dead.MessageId);
        Assert.Equal(4, dead.Attempts);
        Assert.Equal("InvalidOperationException: mail server refused", dead.Error);
        Assert.True(dead.FirstAttemptAt < dead.LastAttemptAt);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.effects"));

        handler.FailWith = _ => null;
        await dispatcher.ReplayDeadLetterAsync(id);
        Assert.Empty(await dispatcher.ListDeadLettersAsync());
        Assert.Equal(1, await dispatcher.RunOnceAsync());
        Assert.Equal(0, await dispatcher.RunOnceAsync());
        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.effects WHERE message_id = '{id}'"));
        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.handled_messages WHERE message_id = '{id}'"));
    }

    [Fact]
    public async Task A_scheduled_message_is_not_handled_before_its_instant_and_is_handled_after_it()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, handler) = await MessagingTesting.CreateAsync(scope);
        await using var dispatcher = new MessageDispatcher(outbox, MessagingTesting.Handlers(handler), scope.Clock, MessagingTesting.Options("a"));
        await dispatcher.StartAsync();
        var due = scope.Clock.GetCurrentInstant() + Duration.FromHours(2);
        await outbox.SendAsync([new OutgoingMessage(new Scheduled("later"), due)]);

        await Task.Delay(300);
        scope.Clock.Set(due - Duration.FromSeconds(1));
        dispatcher.Wake();
        await Task.Delay(300);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.effects"));

        scope.Clock.Set(due);
        dispatcher.Wake();
        await WaitForAsync(scope, "SELECT count(*) FROM {schema}.effects", 1);
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages"));
    }

    [Fact]
    public async Task Two_dispatchers_handle_ten_thousand_messages_each_exactly_once()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, handler) = await MessagingTesting.CreateAsync(scope);
        await using var otherSource = NpgsqlDataSource.Create(database.ConnectionString);
        await using var otherStore = new EventStore(otherSource, TestRegistry.Create(), scope.Clock, scope.Store.Options);
        var otherOutbox = new Outbox(otherStore, MessagingTesting.Types(), scope.Clock);
        for (var chunk = 0; chunk < 10; chunk++)
        {
            await outbox.SendAsync(Enumerable.Range(chunk * 1_000, 1_000).Select(i => new OutgoingMessage(new Ping(i))).ToList());
        }

        var options = MessagingTesting.Options("a") with { BatchSize = 50 };
        await using var a = new MessageDispatcher(outbox, MessagingTesting.Handlers(handler), scope.Clock, options);
        await using var b = new MessageDispatcher(otherOutbox, MessagingTesting.Handlers(new EffectHandler(scope.Schema)), scope.Clock, options with { NodeName = "b" });
        await a.StartAsync();
        await b.StartAsync();
        await WaitForAsync(scope, "SELECT count(*) FROM {schema}.messages", 0, timeoutSeconds: 90);

        Assert.Equal(10_000L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.effects"));
        Assert.Equal(10_000L, await scope.ScalarAsync<long>("SELECT count(DISTINCT message_id) FROM {schema}.effects"));
        Assert.Equal(2L, await scope.ScalarAsync<long>("SELECT count(DISTINCT handled_by) FROM {schema}.handled_messages"));
        Assert.Empty(await a.ListDeadLettersAsync());
    }

    [Fact]
    public async Task A_claim_of_a_dispatcher_that_hangs_is_handled_by_another_after_the_lease_and_only_once()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, hanging) = await MessagingTesting.CreateAsync(scope);
        hanging.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var a = new MessageDispatcher(outbox, MessagingTesting.Handlers(hanging), scope.Clock, MessagingTesting.Options("a"));
        await using var b = new MessageDispatcher(outbox, MessagingTesting.Handlers(new EffectHandler(scope.Schema)), scope.Clock, MessagingTesting.Options("b"));
        await outbox.SendAsync([new OutgoingMessage(new Ping(7))]);

        var stuck = a.RunOnceAsync();
        await hanging.Entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("a", await scope.ScalarAsync<string>("SELECT claimed_by FROM {schema}.messages"));
        Assert.Equal(0, await b.RunOnceAsync());
        scope.Clock.Advance(Duration.FromSeconds(29));
        Assert.Equal(0, await b.RunOnceAsync());

        scope.Clock.Advance(Duration.FromSeconds(2));
        Assert.Equal(1, await b.RunOnceAsync());
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.effects"));

        // The hung handler wakes up and tries to finish: its work rolls back, the message stays handled once.
        hanging.Gate.SetResult();
        Assert.Equal(1, await stuck.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.effects"));
        Assert.Equal(0L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages"));
        Assert.Empty(await a.ListDeadLettersAsync());
        Assert.Equal("b", await scope.ScalarAsync<string>("SELECT handled_by FROM {schema}.handled_messages"));
    }

    private static async Task WaitForAsync(StoreScope scope, string countSql, long expected, int timeoutSeconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        long actual;
        while ((actual = await scope.ScalarAsync<long>(countSql)) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{countSql}: {actual}, expected {expected}");
            await Task.Delay(20);
        }
    }
}
