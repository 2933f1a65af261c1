using System.Text.Json;
using Ledger.Domain.Serialization;
using Ledger.Domain.Tests.Support;

namespace Ledger.Domain.Tests.Catalogue;

/// <summary>The stored JSON of every event type is pinned by an approved file.</summary>
public sealed class SnapshotTests
{
    private static readonly JsonSerializerOptions Indented = new(DomainJson.Options) { WriteIndented = true };

    public static TheoryData<string> StoredNames() => new(EventCatalogue.All.Select(d => d.StoredName));

    [Theory]
    [MemberData(nameof(StoredNames))]
    public void Serialized_event_matches_the_approved_file(string storedName)
    {
        var descriptor = EventCatalogue.FindByStoredName(storedName)!;
        Assert.True(
            SampleEvents.ByType.TryGetValue(descriptor.ClrType, out var sample),
            $"SampleEvents has no sample for {descriptor.ClrType.Name}; add one.");

        var received = JsonSerializer.Serialize(sample, descriptor.ClrType, Indented).ReplaceLineEndings("\n") + "\n";
        var approvedPath = Path.Combine(SourceDirectory.TestProject, "Approved", $"{storedName}.approved.json");
        var receivedPath = Path.Combine(SourceDirectory.TestProject, "Approved", $"{storedName}.received.json");
        var approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : null;
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        Assert.Fail(
            $"The stored JSON of {storedName} {(approved is null ? "has no approved file" : "changed")}. " +
            $"Inspect {receivedPath}; if it is right, rename it to {Path.GetFileName(approvedPath)}. " +
            "A change to an existing event's JSON needs a new version (and an upcaster), not a new approved file.");
    }

    [Theory]
    [MemberData(nameof(StoredNames))]
    public void Serialized_event_reads_back_to_the_same_json(string storedName)
    {
        var descriptor = EventCatalogue.FindByStoredName(storedName)!;
        var sample = SampleEvents.ByType[descriptor.ClrType];
        var json = JsonSerializer.Serialize(sample, descriptor.ClrType, DomainJson.Options);

        var read = JsonSerializer.Deserialize(json, descriptor.ClrType, DomainJson.Options);

        Assert.Equal(json, JsonSerializer.Serialize(read, descriptor.ClrType, DomainJson.Options));
    }

    [Fact]
    public void Every_sample_is_in_the_catalogue()
    {
        foreach (var type in SampleEvents.ByType.Keys)
        {
            Assert.NotNull(EventCatalogue.FindByType(type));
        }
    }
}
