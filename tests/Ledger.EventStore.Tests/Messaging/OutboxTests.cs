using Ledger.EventStore.Messaging;
using Ledger.Testing;
using Xunit;

namespace Ledger.EventStore.Tests.Messaging;

public sealed class OutboxTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task A_rolled_back_append_leaves_no_message_and_a_committed_one_leaves_exactly_one()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, _) = await MessagingTesting.CreateAsync(scope);
        outbox.ForEachAppend(context => [new OutgoingMessage(new Ping((int)context.Events[^1].Recorded.StreamVersion), Metadata: new MessageMetadata(CorrelationId: context.StreamId))]);
        var rolledBack = Guid.NewGuid();
        var committed = Guid.NewGuid();

        await using (var connection = await scope.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(transaction, rolledBack, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("x"))]);
            await transaction.RollbackAsync();
        }

        await scope.Store.AppendAsync(committed, ExpectedVersion.NoStream, new Opened("y"), new Deposited(2));

        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages"));
        Assert.Equal(1L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.messages WHERE metadata->>'correlationId' = '{committed}' AND message_type = 'tests.ping.v1' AND payload->>'number' = '2'"));
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.messages WHERE metadata->>'correlationId' = '{rolledBack}'"));
    }

    [Fact]
    public async Task A_message_enqueued_in_a_callers_transaction_exists_only_if_it_commits()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var (outbox, _) = await MessagingTesting.CreateAsync(scope);
        await using var connection = await scope.DataSource.OpenConnectionAsync();
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await outbox.EnqueueAsync(transaction, new Ping(1));
            await transaction.RollbackAsync();
        }

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(transaction, Guid.NewGuid(), "account", ExpectedVersion.NoStream, [EventToAppend.New(new Opened("z"))]);
            await outbox.EnqueueAsync(transaction, new Ping(2));
            await transaction.CommitAsync();
        }

        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages WHERE payload->>'number' = '2'"));
        Assert.Equal(1L, await scope.ScalarAsync<long>("SELECT count(*) FROM {schema}.messages"));
    }
}
