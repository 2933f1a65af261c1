using Ledger.Domain;
using Ledger.Domain.Serialization;
using Ledger.EventStore;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>How the ledger's parts are put together; one place, explicit registrations.</summary>
public static class LedgerComposition
{
    /// <summary>Every event type the ledger stores, with its stable stored name (from the domain's catalogue).</summary>
    public static EventTypeRegistry CreateRegistry()
    {
        var registry = new EventTypeRegistry(DomainJson.Options);
        foreach (var descriptor in EventCatalogue.All)
        {
            registry.Register(descriptor.ClrType, descriptor.StoredName);
        }

        return registry;
    }

    public static EventStore.EventStore CreateStore(NpgsqlDataSource dataSource, string schema, IClock clock) =>
        new(dataSource, CreateRegistry(), clock, new EventStoreOptions { Schema = schema });
}
