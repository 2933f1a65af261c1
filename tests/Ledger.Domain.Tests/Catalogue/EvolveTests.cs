using Ledger.Domain.MedicalCard;
using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Deliveries;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using Ledger.Domain.Tests.Support;

namespace Ledger.Domain.Tests.Catalogue;

public sealed class EvolveTests
{
    /// <summary>An event of every stream kind that no state knows (a new event someone forgot to fold).</summary>
    private sealed record SomethingElseHappened(DocumentId DocumentId, PatientRef Patient, OrganizationId Sender)
        : IPatientEvent, IOrganizationEvent, IResultEvent, IConsentEvent, IAccessEvent, IDeliveryRefusalEvent, IAccountEvent;

    [Fact]
    public void Every_state_throws_on_an_unknown_event()
    {
        var unknown = new SomethingElseHappened(Samples.Document, Samples.ResolvedPatient, Samples.Lab);
        Assert.Throws<InvalidOperationException>(() => PatientState.Evolve(PatientState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => OrganizationState.Evolve(OrganizationState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => ResultState.Evolve(ResultState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => ConsentState.Evolve(ConsentState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => AccessState.Evolve(AccessState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => DeliveryRefusalState.Evolve(DeliveryRefusalState.Initial, unknown));
        Assert.Throws<InvalidOperationException>(() => AccountState.Evolve(AccountState.Initial, unknown));
    }

    [Fact]
    public void Every_catalogued_event_is_known_to_the_state_of_its_stream()
    {
        foreach (var descriptor in EventCatalogue.All)
        {
            var sample = SampleEvents.ByType[descriptor.ClrType];
            object state = descriptor.StreamKind switch
            {
                StreamIds.PatientKind => PatientState.Evolve(PatientState.Initial, (IPatientEvent)sample),
                StreamIds.OrganizationKind => OrganizationState.Evolve(OrganizationState.Initial, (IOrganizationEvent)sample),
                StreamIds.ResultKind => ResultState.Evolve(ResultState.Initial, (IResultEvent)sample),
                StreamIds.ConsentKind => ConsentState.Evolve(ConsentState.Initial, (IConsentEvent)sample),
                StreamIds.AccessKind => AccessState.Evolve(AccessState.Initial, (IAccessEvent)sample),
                StreamIds.DeliveryRefusalKind => DeliveryRefusalState.Evolve(DeliveryRefusalState.Initial, (IDeliveryRefusalEvent)sample),
                // A correction or an entry in error follows the entry it changes.
                StreamIds.MedicalCardKind => MedicalCardState.Evolve(
                    MedicalCardState.Evolve(MedicalCardState.Initial, (IMedicalCardEvent)SampleEvents.ByType[typeof(ConditionRecorded)]), (IMedicalCardEvent)sample),
                StreamIds.AccountKind => AccountState.Evolve(AccountState.Initial, (IAccountEvent)sample),
                _ => throw new InvalidOperationException(descriptor.StreamKind),
            };
            Assert.NotNull(state);
        }
    }
}
