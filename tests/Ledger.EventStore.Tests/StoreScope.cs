using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;
using Ledger.Testing;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Tests;

/// <summary>A migrated store in a schema of its own inside the test class's database.</summary>
public sealed class StoreScope : IAsyncDisposable
{
    private StoreScope(NpgsqlDataSource dataSource, EventStore store, FakeClock clock)
    {
        DataSource = dataSource;
        Store = store;
        Clock = clock;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStore Store { get; }

    public FakeClock Clock { get; }

    public string Schema => Store.Options.Schema;

    public static async Task<StoreScope> CreateAsync(PostgresDatabase database, EventTypeRegistry? registry = null, IPayloadProtector? protector = null)
    {
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var clock = FakeClock.At(2026, 1, 10);
        var store = new EventStore(dataSource, registry ?? TestRegistry.Create(), clock, new EventStoreOptions { Schema = "s" + Guid.NewGuid().ToString("N")[..10] }, protector);
        await store.MigrateAsync();
        return new StoreScope(dataSource, store, clock);
    }

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

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}

public static class Streams
{
    public static Task<AppendResult> AppendAsync(this EventStore store, Guid streamId, ExpectedVersion expected, params object[] events) =>
        store.AppendAsync(streamId, "account", expected, events.Select(e => EventToAppend.New(e)).ToList());

    public static Instant At(int hour, int minute = 0) => Instant.FromUtc(2026, 1, 10, hour, minute);
}
