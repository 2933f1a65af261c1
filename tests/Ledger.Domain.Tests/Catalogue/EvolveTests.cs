using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.Domain.Tests.Support;

namespace Ledger.Domain.Tests.Catalogue;

public sealed class EvolveTests
{
    private sealed record SomethingElseHappened;

    [Fact]
    public void Every_state_throws_on_an_unknown_event()
    {
        var unknown = new SomethingElseHappened();
        Assert.Throws<InvalidOperationException>(() => PatientState.Evolve(PatientState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => OrganizationState.Evolve(OrganizationState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => ResultState.Evolve(ResultState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => ConsentState.Evolve(ConsentState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => AccessState.Evolve(AccessState.Initial, unknown));
    }

    [Fact]
    public void Every_catalogued_event_is_known_to_the_state_of_its_stream()
    {
        foreach (var descriptor in EventCatalogue.All)
        {
            var sample = SampleEvents.ByType[descriptor.ClrType];
            object state = descriptor.StreamKind switch
            {
                StreamIds.PatientKind => PatientState.Evolve(PatientState.Initial, sample),
                StreamIds.OrganizationKind => OrganizationState.Evolve(OrganizationState.Initial, sample),
                StreamIds.ResultKind => ResultState.Evolve(ResultState.Initial, sample),
                StreamIds.ConsentKind => ConsentState.Evolve(ConsentState.Initial, sample),
                StreamIds.AccessKind => AccessState.Evolve(AccessState.Initial, sample),
                _ => throw new InvalidOperationException(descriptor.StreamKind),
            };
            Assert.NotNull(state);
        }
    }
}
