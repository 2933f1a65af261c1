using System.Security.Cryptography;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;
using Ledger.Testing;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Tests.Protection;

public sealed record Profiled(string Name, string Identifier, long Number);

public sealed record Noted(string Text);

/// <summary>A migrated store in a schema of its own whose payloads can be encrypted under per-subject data keys.</summary>
public sealed class ProtectedStore : IAsyncDisposable
{
    private readonly List<EventStore> others = [];

    private ProtectedStore(NpgsqlDataSource dataSource, EventStoreOptions options, FakeClock clock, DataKeyProtector protector, EventStore store)
    {
        DataSource = dataSource;
        Options = options;
        Clock = clock;
        Protector = protector;
        Store = store;
    }

    public NpgsqlDataSource DataSource { get; }

    public EventStoreOptions Options { get; }

    public string Schema => Options.Schema;

    public FakeClock Clock { get; }

    public DataKeyProtector Protector { get; }

    public EventStore Store { get; }

    public static EventTypeRegistry Registry() => TestRegistry.Create()
        .Register<Profiled>("subjects.profiled.v1")
        .Register<Noted>("subjects.noted.v1");

    public static (string Id, byte[] Key) NewMasterKey(string id) => (id, RandomNumberGenerator.GetBytes(32));

    public static async Task<ProtectedStore> CreateAsync(PostgresDatabase database, IMasterKeyProvider? masterKeys = null, Duration? cacheTtl = null, int? compressionThreshold = null)
    {
        var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var clock = FakeClock.At(2026, 1, 10);
        var options = new EventStoreOptions { Schema = "p" + Guid.NewGuid().ToString("N")[..10] };
        var protector = new DataKeyProtector(dataSource, options.Schema, masterKeys ?? new ConfiguredMasterKeys(NewMasterKey("m1")), clock, cacheTtl, compressionThreshold);
        var store = new EventStore(dataSource, Registry(), clock, options, protector);
        await store.MigrateAsync();
        return new ProtectedStore(dataSource, options, clock, protector, store);
    }

    /// <summary>A protector on the same key table, as another node would have.</summary>
    public DataKeyProtector NewProtector(IMasterKeyProvider masterKeys, Duration? cacheTtl = null, int? compressionThreshold = null) =>
        new(DataSource, Schema, masterKeys, Clock, cacheTtl, compressionThreshold);

    /// <summary>A store on the same schema with another protector (another node, or other configuration).</summary>
    public EventStore NewStore(IPayloadProtector protector)
    {
        var store = new EventStore(DataSource, Registry(), Clock, Options, protector);
        others.Add(store);
        return store;
    }

    public static Task<AppendResult> AppendForAsync(EventStore store, Guid streamId, Guid subjectId, ExpectedVersion expected, params object[] events) =>
        store.AppendAsync(streamId, "subject", expected, events.Select(e => EventToAppend.New(e)).ToList(), new AppendOptions { EncryptFor = subjectId });

    public Task<AppendResult> AppendForAsync(Guid streamId, Guid subjectId, ExpectedVersion expected, params object[] events) =>
        AppendForAsync(Store, streamId, subjectId, expected, events);

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

    public async Task<List<string>> RowsAsTextAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{schema}", Schema, StringComparison.Ordinal));
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var other in others)
        {
            await other.DisposeAsync();
        }

        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }
}
