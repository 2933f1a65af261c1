using Ledger.EventStore.Projections;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

public sealed class InlineProjectionTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Inline_rows_commit_with_the_append_and_vanish_with_its_rollback()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var projection = new BalanceProjection(scope.Schema);
        scope.Store.AddInlineProjection(projection);
        await scope.Store.EnsureTablesAsync(projection);
        var committed = Guid.NewGuid();
        var rolledBack = Guid.NewGuid();

        await scope.Store.AppendAsync(committed, ExpectedVersion.NoStream, new Opened("a"), new Deposited(10), new Withdrawn(3));
        await using (var connection = await scope.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(transaction, rolledBack, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Deposited(5))]);
            Assert.Equal(1L, await CountInAsync(connection, transaction, scope.Schema, rolledBack));
            await transaction.RollbackAsync();
        }

        Assert.Equal(7m, await scope.ScalarAsync<decimal>($"SELECT balance FROM {{schema}}.balances WHERE stream_id = '{committed}'"));
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.balances WHERE stream_id = '{rolledBack}'"));
        Assert.Null(await scope.Store.GetStreamAsync(rolledBack));
    }

    [Fact]
    public async Task An_inline_projection_sees_exactly_the_appends_that_carry_its_event_types()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var projection = new BalanceProjection(scope.Schema);
        scope.Store.AddInlineProjection(projection);
        await scope.Store.EnsureTablesAsync(projection);
        var account = Guid.NewGuid();

        // Opened alone concerns no participant (one round trip); the deposits and withdrawals that follow do,
        // including appends to a stream whose head this process knows.
        await scope.Store.AppendAsync(account, ExpectedVersion.NoStream, new Opened("a"));
        for (var i = 1; i <= 5; i++)
        {
            await scope.Store.AppendAsync(account, ExpectedVersion.Any, new Deposited(i));
            await scope.Store.AppendAsync(account, ExpectedVersion.Any, new Opened("again"));
        }

        await scope.Store.AppendAsync(account, ExpectedVersion.Exactly(11), new Withdrawn(5));

        Assert.Equal(10m, await scope.ScalarAsync<decimal>($"SELECT balance FROM {{schema}}.balances WHERE stream_id = '{account}'"));
        Assert.Equal(12, (await scope.Store.GetStreamAsync(account))!.Version);
        Assert.True((await new Verification.StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync()).IsClean);
    }

    private static async Task<long> CountInAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, Guid stream)
    {
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM {schema}.balances WHERE stream_id = @s", connection, transaction);
        command.Parameters.AddWithValue("s", stream);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class BalanceProjection(string schema) : IInlineProjection
    {
        public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { "accounts.deposited.v2", "accounts.withdrawn.v1" };

        public IReadOnlyList<ProjectionTable> Tables { get; } =
            [new("balances", "CREATE TABLE {table} (stream_id uuid PRIMARY KEY, balance numeric NOT NULL)")];

        public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
        {
            var change = events.Sum(e => e.Data switch
            {
                Deposited d => d.Amount,
                Withdrawn w => -w.Amount,
                _ => 0m,
            });
            await using var command = new NpgsqlCommand($"""
                INSERT INTO {schema}.balances AS b (stream_id, balance) VALUES (@s, @c)
                ON CONFLICT (stream_id) DO UPDATE SET balance = b.balance + EXCLUDED.balance
                """, context.Transaction.Connection, context.Transaction);
            command.Parameters.AddWithValue("s", context.StreamId);
            command.Parameters.AddWithValue("c", change);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
