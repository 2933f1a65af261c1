using NodaTime;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>Every schema the ledger needs, migrated in order.</summary>
public static class LedgerSchema
{
    public static async Task<IReadOnlyList<string>> MigrateAsync(NpgsqlDataSource dataSource, string schema, IClock clock, CancellationToken cancellationToken = default)
    {
        var store = LedgerComposition.CreateStore(dataSource, schema, clock);
        await using (store)
        {
            var applied = await store.MigrateAsync(cancellationToken);
            return applied.Select(id => $"event_store/{id:D4}").ToList();
        }
    }
}
