using Ledger.EventStore;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>How the ledger's parts are put together; one place, explicit registrations.</summary>
public static class LedgerComposition
{
    /// <summary>Every event type the ledger stores, with its stable stored name.</summary>
    public static EventTypeRegistry CreateRegistry() => new();

    public static EventStore.EventStore CreateStore(NpgsqlDataSource dataSource, string schema, IClock clock) =>
        new(dataSource, CreateRegistry(), clock, new EventStoreOptions { Schema = schema });
}
