using Ledger.EventStore.Projections;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.EventStore.Tests.Projections;

/// <summary>Writes that travel with an append: an inline projection's planned rows and the caller's own statements.</summary>
public sealed class PlannedWritesTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task Planned_rows_and_writes_beside_the_events_commit_with_a_new_stream()
    {
        await using var scope = await ScopeAsync();
        var account = Guid.NewGuid();

        await scope.Store.AppendAsync(
            account,
            "account",
            ExpectedVersion.NoStream,
            [EventToAppend.New(new Opened("a")), EventToAppend.New(new Deposited(10))],
            new AppendOptions { Writes = [Note(scope, "first answer", account)] });

        Assert.Equal(10m, await scope.ScalarAsync<decimal>($"SELECT amount FROM {{schema}}.deposits WHERE stream_id = '{account}' AND version = 2"));
        Assert.Equal("first answer", await scope.ScalarAsync<string>($"SELECT text FROM {{schema}}.notes WHERE stream_id = '{account}'"));
        Assert.Equal(2, (await scope.Store.GetStreamAsync(account))!.Version);
    }

    [Fact]
    public async Task When_the_stream_exists_neither_the_events_nor_the_writes_beside_them_are_written()
    {
        await using var scope = await ScopeAsync();
        var account = Guid.NewGuid();
        await scope.Store.AppendAsync(account, ExpectedVersion.NoStream, new Opened("a"));
        var positionBefore = (await scope.Store.GetHeadAsync())?.Position;

        // A second store has never seen the stream, so it tries the one-round-trip path for a new stream.
        await using var other = new EventStore(scope.DataSource, TestRegistry.Create(), scope.Clock, scope.Store.Options);
        other.AddInlineProjection(new DepositRows(scope.Schema));
        var conflict = await Assert.ThrowsAsync<WrongExpectedVersionException>(() => other.AppendAsync(
            account,
            "account",
            ExpectedVersion.NoStream,
            [EventToAppend.New(new Deposited(5))],
            new AppendOptions { Writes = [Note(scope, "must not stay", account)] }));

        Assert.Equal(1, conflict.Actual);
        Assert.Equal(positionBefore, (await scope.Store.GetHeadAsync())?.Position);
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.deposits WHERE stream_id = '{account}'"));
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.notes WHERE stream_id = '{account}'"));
    }

    [Fact]
    public async Task A_failing_write_beside_the_events_writes_nothing_and_is_reported_as_a_conflict()
    {
        await using var scope = await ScopeAsync();
        var taken = Guid.NewGuid();
        await scope.ExecuteAsync($"INSERT INTO {{schema}}.notes (stream_id, text) VALUES ('{taken}', 'already there')");
        var account = Guid.NewGuid();
        var positionBefore = (await scope.Store.GetHeadAsync())?.Position;

        await Assert.ThrowsAsync<WrongExpectedVersionException>(() => scope.Store.AppendAsync(
            account,
            "account",
            ExpectedVersion.NoStream,
            [EventToAppend.New(new Opened("b")), EventToAppend.New(new Deposited(7))],
            new AppendOptions { Writes = [Note(scope, "clashes", taken)] }));

        Assert.Null(await scope.Store.GetStreamAsync(account));
        Assert.Equal(positionBefore, (await scope.Store.GetHeadAsync())?.Position);
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.deposits WHERE stream_id = '{account}'"));
        Assert.Equal("already there", await scope.ScalarAsync<string>($"SELECT text FROM {{schema}}.notes WHERE stream_id = '{taken}'"));
    }

    [Fact]
    public async Task Writes_beside_the_events_of_an_existing_stream_take_the_general_path_and_commit_with_it()
    {
        await using var scope = await ScopeAsync();
        var account = Guid.NewGuid();
        await scope.Store.AppendAsync(account, ExpectedVersion.NoStream, new Opened("c"));

        await scope.Store.AppendAsync(
            account,
            "account",
            ExpectedVersion.Exactly(1),
            [EventToAppend.New(new Deposited(3))],
            new AppendOptions { Writes = [Note(scope, "second", account)] });

        Assert.Equal(3m, await scope.ScalarAsync<decimal>($"SELECT amount FROM {{schema}}.deposits WHERE stream_id = '{account}' AND version = 2"));
        Assert.Equal("second", await scope.ScalarAsync<string>($"SELECT text FROM {{schema}}.notes WHERE stream_id = '{account}'"));
        Assert.True((await new Verification.StoreVerifier(scope.DataSource, scope.Schema).VerifyAsync()).IsClean);
    }

    [Fact]
    public async Task Inside_a_caller_transaction_the_writes_roll_back_with_it()
    {
        await using var scope = await ScopeAsync();
        var account = Guid.NewGuid();
        await using (var connection = await scope.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await scope.Store.AppendAsync(transaction, account, "account", ExpectedVersion.NoStream, [EventToAppend.New(new Deposited(4))], new AppendOptions { Writes = [Note(scope, "rolled back", account)] });
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {scope.Schema}.notes WHERE stream_id = @s", connection, transaction);
            count.Parameters.AddWithValue("s", account);
            Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
            await transaction.RollbackAsync();
        }

        Assert.Null(await scope.Store.GetStreamAsync(account));
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.notes WHERE stream_id = '{account}'"));
        Assert.Equal(0L, await scope.ScalarAsync<long>($"SELECT count(*) FROM {{schema}}.deposits WHERE stream_id = '{account}'"));
    }

    private async Task<StoreScope> ScopeAsync()
    {
        var scope = await StoreScope.CreateAsync(database);
        var projection = new DepositRows(scope.Schema);
        scope.Store.AddInlineProjection(projection);
        await scope.Store.EnsureTablesAsync(projection);
        await scope.ExecuteAsync("CREATE TABLE {schema}.notes (stream_id uuid PRIMARY KEY, text text NOT NULL)");
        return scope;
    }

    private static SqlWrite Note(StoreScope scope, string text, Guid stream) =>
        SqlWrite.Of($"INSERT INTO {scope.Schema}.notes (stream_id, text) VALUES (@s, @t)", ("s", stream), ("t", text));

    /// <summary>One row per deposit, stated up front as plain writes.</summary>
    private sealed class DepositRows(string schema) : IInlineProjection
    {
        public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { "accounts.deposited.v2" };

        public IReadOnlyList<ProjectionTable> Tables { get; } =
            [new("deposits", "CREATE TABLE {table} (stream_id uuid NOT NULL, version bigint NOT NULL, amount numeric NOT NULL, PRIMARY KEY (stream_id, version))")];

        public IReadOnlyList<SqlWrite>? PlanWrites(IReadOnlyList<PendingEvent> events) =>
            events.Select(e => SqlWrite.Of(
                $"INSERT INTO {schema}.deposits (stream_id, version, amount) VALUES (@s, @v, @a)",
                ("s", e.StreamId),
                ("v", e.StreamVersion),
                ("a", ((Deposited)e.Data).Amount))).ToList();

        // The store runs the planned writes on both of its paths; it never calls this.
        public Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the store should have run the planned writes");
    }
}
