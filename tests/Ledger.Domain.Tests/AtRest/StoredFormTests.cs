using System.Text.Json;
using Ledger.Domain.Serialization;
using Ledger.Domain.Tests.Support;
using Ledger.EventStore.Hashing;
using Xunit;

namespace Ledger.Domain.Tests.AtRest;

public sealed class StoredFormTests
{
    public static TheoryData<string> StoredNames => new(EventCatalogue.All.Select(d => d.StoredName));

    [Theory]
    [MemberData(nameof(StoredNames))]
    public void Every_event_reads_back_from_the_form_the_store_keeps(string storedName)
    {
        var descriptor = EventCatalogue.FindByStoredName(storedName)!;
        var sample = SampleEvents.ByType[descriptor.ClrType];

        // The store keeps jsonb: keys reordered by length, as PostgreSQL prints them.
        var stored = JsonbText.Render(JsonSerializer.SerializeToUtf8Bytes(sample, descriptor.ClrType, DomainJson.Options));
        var read = JsonSerializer.Deserialize(stored, descriptor.ClrType, DomainJson.Options);

        Assert.Equal(
            JsonSerializer.Serialize(sample, descriptor.ClrType, DomainJson.Options),
            JsonSerializer.Serialize(read, descriptor.ClrType, DomainJson.Options));
    }
}
