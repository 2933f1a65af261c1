using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Deliveries;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Identity;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;

namespace Ledger.App.Streams;

/// <summary>The domain's deciders, registered explicitly.</summary>
public static class Deciders
{
    public static Decider<PatientCommand, IPatientEvent, PatientState> Patient { get; } =
        new(StreamIds.PatientKind, PatientState.Initial, PatientState.Evolve, PatientDecider.Decide, PatientScoped: true);

    public static Decider<OrganizationCommand, IOrganizationEvent, OrganizationState> Organization { get; } =
        new(StreamIds.OrganizationKind, OrganizationState.Initial, OrganizationState.Evolve, OrganizationDecider.Decide, PatientScoped: false);

    public static Decider<ResultCommand, IResultEvent, ResultState> Result { get; } =
        new(StreamIds.ResultKind, ResultState.Initial, ResultState.Evolve, ResultDecider.Decide, PatientScoped: true);

    public static Decider<ConsentCommand, IConsentEvent, ConsentState> Consent { get; } =
        new(StreamIds.ConsentKind, ConsentState.Initial, ConsentState.Evolve, ConsentDecider.Decide, PatientScoped: true);

    public static Decider<AccessCommand, IAccessEvent, AccessState> Access { get; } =
        new(StreamIds.AccessKind, AccessState.Initial, AccessState.Evolve, AccessDecider.Decide, PatientScoped: true);

    public static Decider<MedicalCardCommand, IMedicalCardEvent, MedicalCardState> MedicalCard { get; } =
        new(StreamIds.MedicalCardKind, MedicalCardState.Initial, MedicalCardState.Evolve, MedicalCardDecider.Decide, PatientScoped: true);

    public static Decider<AccountCommand, IAccountEvent, AccountState> Account { get; } =
        new(StreamIds.AccountKind, AccountState.Initial, AccountState.Evolve, AccountDecider.Decide, PatientScoped: true);

    /// <summary>
    /// The refusal streams of deliveries: every refusal is recorded, whatever came before (an append-only log, carried
    /// out by the command executor with <see cref="EventStore.ExpectedVersion.Any"/>).
    /// </summary>
    public static Decider<RefuseDelivery, IDeliveryRefusalEvent, DeliveryRefusalState> DeliveryRefusal { get; } =
        new(StreamIds.DeliveryRefusalKind, DeliveryRefusalState.Initial, DeliveryRefusalState.Evolve, DeliveryRefusalDecider.Decide, PatientScoped: false);
}
