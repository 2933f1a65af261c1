using System.Security.Cryptography;
using System.Text.Json;
using JasperFx;
using JasperFx.Events;
using Ledger.EventStore;
using Ledger.EventStore.MartenStore;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Schema;
using Ledger.EventStore.Serialization;
using Marten;
using Marten.Services;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using static Ledger.Benchmarks.AppendBenchmark;

namespace Ledger.Benchmarks;

/// <summary>One way of appending: its label and one append of <c>batch</c> events by a writer.</summary>
internal sealed record AppendTarget(string Label, Func<int, int, WriterState, Task<int>> AppendOnce);

/// <summary>
/// The paths the append benchmark compares, each in a schema of its own on the same database and connection pool:
/// raw INSERTs, vanilla Marten, the ledger's store on Marten (clear, and sealed per subject) and
/// with <c>--profile</c> two steps between vanilla Marten and the ledger.
/// </summary>
internal sealed class AppendTargets : IAsyncDisposable
{
    private const string StreamType = "bench";

    private readonly NpgsqlDataSource dataSource;
    private readonly List<IAsyncDisposable> owned = [];

    private AppendTargets(NpgsqlDataSource dataSource) => this.dataSource = dataSource;

    public AppendTarget Raw => new("raw INSERT", RawAsync);

    public required AppendTarget VanillaMarten { get; init; }

    public required AppendTarget Ledger { get; init; }

    public required AppendTarget LedgerSealed { get; init; }


    /// <summary>Vanilla Marten with the ledger's table settings: unique event ids, two headers, binary payloads.</summary>
    public required AppendTarget MartenLedgerTables { get; init; }

    /// <summary>The previous plus the ledger's statements: lock and head read first, stream type on a new stream.</summary>
    public required AppendTarget MartenLedgerStatements { get; init; }

    /// <summary>The sealed store's data keys, for the in-process profile.</summary>
    public required DataKeyProtector Protector { get; init; }

    public static async Task<AppendTargets> CreateAsync(NpgsqlDataSource dataSource, EventTypeRegistry registry)
    {
        await using (var create = dataSource.CreateCommand("CREATE TABLE baseline_events (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, stream_id uuid NOT NULL, version int NOT NULL, data jsonb NOT NULL, UNIQUE (stream_id, version))"))
        {
            await create.ExecuteNonQueryAsync();
        }


        var vanilla = await MartenAsync(dataSource, "bench_marten", ledgerTables: false);
        var tables = await MartenAsync(dataSource, "bench_marten_tables", ledgerTables: true);
        var statements = await MartenAsync(dataSource, "bench_marten_statements", ledgerTables: true);

        var ledger = new EventStore.EventStore(dataSource, registry, SystemClock.Instance, new EventStoreOptions { Schema = "bench_ledger" });
        await ledger.MigrateAsync();
        metadataText = await StoredMetadataTextAsync(dataSource, ledger);
        var sealedOptions = new EventStoreOptions { Schema = "bench_ledger_sealed" };
        var protector = new DataKeyProtector(dataSource, sealedOptions.Schema, new ConfiguredMasterKeys(("bench-1", RandomNumberGenerator.GetBytes(32))), SystemClock.Instance);
        var ledgerSealed = new EventStore.EventStore(dataSource, registry, SystemClock.Instance, sealedOptions, protector);
        await ledgerSealed.MigrateAsync();

        var targets = new AppendTargets(dataSource)
        {
            VanillaMarten = new("vanilla Marten (Quick)", (batch, writer, state) => VanillaAsync(vanilla, batch, writer, state)),
            Ledger = new("ledger on Marten: chain", (batch, writer, state) => LedgerAsync(ledger, encrypt: false, batch, writer, state)),
            LedgerSealed = new("ledger on Marten: chain + encryption", (batch, writer, state) => LedgerAsync(ledgerSealed, encrypt: true, batch, writer, state)),
            MartenLedgerTables = new("profile: Marten + ledger's tables", (batch, writer, state) => TablesAsync(tables, batch, writer, state)),
            MartenLedgerStatements = new("profile: Marten + ledger's tables and statements", (batch, writer, state) => StatementsAsync(dataSource, statements, "bench_marten_statements", batch, writer, state)),
            Protector = protector,
        };
        targets.owned.AddRange([ledger, ledgerSealed, Disposing(vanilla), Disposing(tables), Disposing(statements)]);
        return targets;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var item in owned)
        {
            await item.DisposeAsync();
        }
    }

    private static async Task<DocumentStore> MartenAsync(NpgsqlDataSource dataSource, string schema, bool ledgerTables)
    {
        var options = new StoreOptions();
        options.Connection(dataSource);
        options.DatabaseSchemaName = schema;
        options.Events.DatabaseSchemaName = schema;
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        if (ledgerTables)
        {
            options.Events.EnableUniqueIndexOnEventId = true;
            options.Events.MetadataConfig.HeadersEnabled = true;
            options.Events.MapEventType<Measured>("bench.measured.v1");
            options.Events.UseBinarySerializer<Measured>(new JsonBytes());
        }
        else
        {
            options.Events.AddEventType<Measured>();
        }

        var store = new DocumentStore(options);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }

    private async Task<int> RawAsync(int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        await using var command = dataSource.CreateCommand("INSERT INTO baseline_events (stream_id, version, data) SELECT @s, v, d FROM unnest(@v, @d) AS u(v, d)");
        command.Parameters.AddWithValue("s", stream);
        command.Parameters.AddWithValue("v", Enumerable.Range(firstVersion, batch).ToArray());
        command.Parameters.Add(new NpgsqlParameter("d", NpgsqlDbType.Array | NpgsqlDbType.Jsonb)
        {
            Value = Events(batch, writer, firstVersion).Select(e => JsonSerializer.Serialize(e)).ToArray(),
        });
        await command.ExecuteNonQueryAsync();
        return batch;
    }

    private static async Task<int> VanillaAsync(DocumentStore store, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        await using var session = store.LightweightSession();
        session.Events.Append(stream, firstVersion - 1 + batch, Events(batch, writer, firstVersion));
        await session.SaveChangesAsync();
        return batch;
    }

    private static async Task<int> LedgerAsync(EventStore.EventStore store, bool encrypt, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        var events = Events(batch, writer, firstVersion).Select(e => EventToAppend.New(e)).ToList();
        await store.AppendAsync(stream, StreamType, Expected(firstVersion), events, encrypt ? new AppendOptions { EncryptFor = stream } : null);
        return batch;
    }

    private static async Task<int> TablesAsync(DocumentStore store, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        await using var session = store.LightweightSession();
        var action = session.Events.Append(stream, firstVersion - 1 + batch, Events(batch, writer, firstVersion));
        SetHeaders(action);
        await session.SaveChangesAsync();
        return batch;
    }

    /// <summary>What the ledger sends, without its work in .NET (no chain, no canonical JSON, no idempotency checks).</summary>
    private static async Task<int> StatementsAsync(NpgsqlDataSource dataSource, DocumentStore store, string schema, int batch, int writer, WriterState state)
    {
        var (stream, firstVersion) = state.Next(batch);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var read = new NpgsqlBatch(connection, transaction))
        {
            var lockCommand = new NpgsqlBatchCommand("SELECT pg_advisory_xact_lock(@class, @key)");
            lockCommand.Parameters.AddWithValue("class", LockKeys.StreamClass(schema));
            lockCommand.Parameters.AddWithValue("key", LockKeys.Stream(stream));
            read.BatchCommands.Add(lockCommand);
            var head = new NpgsqlBatchCommand($"""
                SELECT s.version, s.type, s.is_archived, e.headers ->> '{EventStore.EventStore.HashHeader}'
                FROM {schema}.mt_streams s LEFT JOIN {schema}.mt_events e ON e.stream_id = s.id AND e.version = s.version
                WHERE s.id = @id
                """);
            head.Parameters.AddWithValue("id", stream);
            read.BatchCommands.Add(head);
            await using var reader = await read.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
        }

        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        var events = Events(batch, writer, firstVersion);
        var action = firstVersion == 1 ? session.Events.StartStream(stream, events) : session.Events.Append(stream, firstVersion - 1 + batch, events);
        SetHeaders(action);
        if (firstVersion == 1)
        {
            session.QueueSqlCommand($"UPDATE {schema}.mt_streams SET type = ? WHERE id = ?", StreamType, stream);
        }

        await session.SaveChangesAsync();
        await transaction.CommitAsync();
        return batch;
    }

    private static void SetHeaders(StreamAction action)
    {
        foreach (var e in action.Events)
        {
            e.SetHeader(EventStore.EventStore.HashHeader, HashText);
            e.SetHeader(EventStore.EventStore.MetadataHeader, metadataText);
        }
    }

    private static readonly string HashText = new('a', 64);

    /// <summary>The metadata header of an event the ledger stored, so that the profile rows carry the same header.</summary>
    private static string metadataText = string.Empty;

    private static async Task<string> StoredMetadataTextAsync(NpgsqlDataSource dataSource, EventStore.EventStore ledger)
    {
        var stream = Guid.NewGuid();
        await ledger.AppendAsync(stream, StreamType, ExpectedVersion.NoStream, [EventToAppend.New(NewEvent(0))]);
        await using var command = dataSource.CreateCommand($"SELECT headers ->> '{EventStore.EventStore.MetadataHeader}' FROM {ledger.Options.Schema}.mt_events WHERE stream_id = @s");
        command.Parameters.AddWithValue("s", stream);
        return (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException("the ledger stored no metadata header");
    }

    private static ExpectedVersion Expected(int firstVersion) => firstVersion == 1 ? ExpectedVersion.NoStream : ExpectedVersion.Exactly(firstVersion - 1);

    private static object[] Events(int batch, int writer, int firstVersion)
    {
        var events = new object[batch];
        for (var i = 0; i < batch; i++)
        {
            events[i] = NewEvent((writer * 1_000_000L) + firstVersion + i);
        }

        return events;
    }

    private static AsyncDisposable Disposing(DocumentStore store) => new(store);

    private sealed class AsyncDisposable(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>The event as UTF-8 JSON in Marten's binary column, as the ledger stores its payloads.</summary>
    private sealed class JsonBytes : IEventBinarySerializer
    {
        public byte[] Serialize(Type type, object data) => JsonSerializer.SerializeToUtf8Bytes(data, type);

        public object Deserialize(Type type, byte[] bytes) => JsonSerializer.Deserialize(bytes, type) ?? throw new InvalidOperationException("an empty payload");
    }
}
