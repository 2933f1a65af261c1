using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Identity;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;

namespace Ledger.Domain.Tests.Support;

/// <summary>One Given/When/Then entry point per feature.</summary>
public static class Specs
{
    public static Spec<PatientCommand, IPatientEvent, PatientState> Patient { get; } =
        new(PatientState.Initial, PatientState.Evolve, PatientDecider.Decide);

    public static Spec<OrganizationCommand, IOrganizationEvent, OrganizationState> Organization { get; } =
        new(OrganizationState.Initial, OrganizationState.Evolve, OrganizationDecider.Decide);

    public static Spec<ResultCommand, IResultEvent, ResultState> Result { get; } =
        new(ResultState.Initial, ResultState.Evolve, ResultDecider.Decide);

    public static Spec<ConsentCommand, IConsentEvent, ConsentState> Consent { get; } =
        new(ConsentState.Initial, ConsentState.Evolve, ConsentDecider.Decide);

    public static Spec<AccountCommand, IAccountEvent, AccountState> Account { get; } =
        new(AccountState.Initial, AccountState.Evolve, AccountDecider.Decide);

    public static Spec<AccessCommand, IAccessEvent, AccessState> Access { get; } =
        new(AccessState.Initial, AccessState.Evolve, AccessDecider.Decide);
}
