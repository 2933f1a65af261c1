using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Consents;
using Ledger.Domain.Organizations;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.App.Streams;

/// <summary>A stream kind's state, how it evolves and how it decides: what the executor needs.</summary>
public sealed record Decider<TCommand, TState>(
    string StreamKind,
    TState Initial,
    Func<TState, object, TState> Evolve,
    Func<TCommand, TState, Instant, IReadOnlyList<object>> Decide,
    bool PatientScoped);

/// <summary>The domain's deciders, registered explicitly.</summary>
public static class Deciders
{
    public static Decider<PatientCommand, PatientState> Patient { get; } =
        new(StreamIds.PatientKind, PatientState.Initial, PatientState.Evolve, PatientDecider.Decide, PatientScoped: true);

    public static Decider<OrganizationCommand, OrganizationState> Organization { get; } =
        new(StreamIds.OrganizationKind, OrganizationState.Initial, OrganizationState.Evolve, OrganizationDecider.Decide, PatientScoped: false);

    public static Decider<ResultCommand, ResultState> Result { get; } =
        new(StreamIds.ResultKind, ResultState.Initial, ResultState.Evolve, ResultDecider.Decide, PatientScoped: true);

    public static Decider<ConsentCommand, ConsentState> Consent { get; } =
        new(StreamIds.ConsentKind, ConsentState.Initial, ConsentState.Evolve, ConsentDecider.Decide, PatientScoped: true);

    public static Decider<AccessCommand, AccessState> Access { get; } =
        new(StreamIds.AccessKind, AccessState.Initial, AccessState.Evolve, AccessDecider.Decide, PatientScoped: true);
}
