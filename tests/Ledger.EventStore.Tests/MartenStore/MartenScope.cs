
using Ledger.EventStore.Protection;
using Ledger.EventStore.Tests.Protection;
using Ledger.Testing;
using Marten;
using Npgsql;

namespace Ledger.EventStore.Tests.MartenStore;

/// <summary>The ledger's store on Marten, migrated into a schema of its own, with per-subject encryption available.</summary>
public sealed class MartenScope : IAsyncDisposable
{
    private MartenScope(NpgsqlDataSource dataSource, EventStore store, FakeClock clock, DataKeyProtector protector)
    {
        DataSource = dataSource;
        Store = store;
        Clock = clock;
        Protector = protector;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStore Store { get; }

    public FakeClock Clock { get; }

    public DataKeyProtector Protector { get; }

    public string Schema => Store.Options.Schema;

    public static async Task<MartenScope> CreateAsync(PostgresDatabase database, Action<StoreOptions>? configure = null, Func<NpgsqlDataSourceBuilder, NpgsqlDataSourceBuilder>? tune = null)
    {
        var builder = new NpgsqlDataSourceBuilder(database.ConnectionString);
        var dataSource = (tune?.Invoke(builder) ?? builder).Build();
        var clock = FakeClock.At(2026, 1, 10);
        var options = new EventStoreOptions { Schema = "m" + Guid.NewGuid().ToString("N")[..10] };
        var protector = new DataKeyProtector(dataSource, options.Schema, new ConfiguredMasterKeys(ProtectedStore.NewMasterKey("m1")), clock);
        var store = new EventStore(dataSource, ProtectedStore.Registry(), clock, options, protector, configure);
        await store.MigrateAsync();
        return new MartenScope(dataSource, store, clock, protector);
    }

    public Task<AppendResult> AppendAsync(Guid streamId, ExpectedVersion expected, params object[] events) =>
        Store.AppendAsync(streamId, "account", expected, events.Select(e => EventToAppend.New(e)).ToList());

    public Task<AppendResult> AppendForAsync(Guid streamId, Guid subject, ExpectedVersion expected, params object[] events) =>
        Store.AppendAsync(streamId, "subject", expected, events.Select(e => EventToAppend.New(e)).ToList(), new AppendOptions { EncryptFor = subject });

    public async Task<int> ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{schema}", Schema, StringComparison.Ordinal));
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{schema}", Schema, StringComparison.Ordinal));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public Task<Verification.VerificationReport> VerifyAsync() => new Verification.StoreVerifier(DataSource, Schema).VerifyAsync();

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
