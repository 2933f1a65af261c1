using Ledger.Domain.Tests.Support;

namespace Ledger.Domain.Tests.Catalogue;

public sealed class CatalogueTests
{
    [Fact]
    public void Stored_names_are_unique_versioned_and_belong_to_their_stream_kind()
    {
        Assert.Equal(EventCatalogue.All.Count, EventCatalogue.All.Select(d => d.StoredName).Distinct().Count());
        Assert.Equal(EventCatalogue.All.Count, EventCatalogue.All.Select(d => d.ClrType).Distinct().Count());
        foreach (var d in EventCatalogue.All)
        {
            Assert.Matches(@"^[a-z]+\.[a-z_]+\.v[1-9][0-9]*$", d.StoredName);
            Assert.True(d.Version >= 1);
            Assert.False(d.ClrType.Name.EndsWith("Event", StringComparison.Ordinal), d.ClrType.Name);
        }
    }

    [Fact]
    public void Only_organisation_events_delivery_refusals_and_the_record_of_an_erasure_are_not_patient_scoped()
    {
        foreach (var d in EventCatalogue.All)
        {
            var inTheClear = d.StreamKind is StreamIds.OrganizationKind or StreamIds.DeliveryRefusalKind || d.ClrType == typeof(Domain.Patients.PatientErased);
            Assert.Equal(!inTheClear, d.PatientScoped);
        }
    }

    [Fact]
    public void Every_catalogued_type_has_a_sample()
    {
        var missing = EventCatalogue.All.Where(d => !SampleEvents.ByType.ContainsKey(d.ClrType)).Select(d => d.ClrType.Name);
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_public_event_record_in_a_feature_is_catalogued()
    {
        var eventNamespaces = new[] { "Patients", "Organizations", "Results", "Consents", "Access", "Deliveries", "Identity" }
            .Select(f => $"Ledger.Domain.{f}").ToHashSet();
        var evolved = typeof(EventCatalogue).Assembly.GetTypes()
            .Where(t => t.Namespace is not null && eventNamespaces.Contains(t.Namespace))
            .Where(t => t.Name.EndsWith("ed", StringComparison.Ordinal) || t.Name.EndsWith("Arrived", StringComparison.Ordinal))
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetMethod("<Clone>$") is not null);
        foreach (var type in evolved)
        {
            Assert.True(EventCatalogue.FindByType(type) is not null, $"{type.Name} looks like an event but is not catalogued.");
        }
    }

    [Fact]
    public void Docs_events_md_is_generated_from_the_catalogue()
    {
        var path = Path.Combine(SourceDirectory.RepositoryRoot, "docs", "events.md");
        var receivedPath = path + ".received";
        var generated = EventsMarkdown.Generate();
        var current = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
        if (current == generated)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, generated);
        Assert.Fail($"docs/events.md is out of date. Inspect {receivedPath} and move it over docs/events.md.");
    }
}
