using System.Collections.Immutable;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Identity;

/// <summary>
/// The state of a patient's account: the password hash, the authenticator (confirmed and pending), the last time step
/// a code was used for, the recovery codes and which are used, and the failures since the last success or lock-out.
/// </summary>
public sealed record AccountState(
    bool Exists,
    PatientId PatientId,
    string? Login,
    PasswordHash? Password,
    string? TotpSecret,
    string? PendingTotpSecret,
    long LastTotpStep,
    ImmutableArray<string> RecoveryCodeHashes,
    ImmutableHashSet<int> UsedRecoveryCodes,
    ImmutableList<Instant> RecentFailures,
    Instant? LockedUntil)
{
    public static AccountState Initial { get; } = new(false, default, null, null, null, null, 0, [], [], [], null);

    public bool TotpEnabled => TotpSecret is not null;

    public bool IsLocked(Instant now) => LockedUntil is { } until && now < until;

    public static AccountState Evolve(AccountState state, IAccountEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            AccountOpened e => state with { Exists = true, PatientId = e.PatientId, Login = e.Login, Password = e.Password },
            TotpEnrolmentStarted e => state with { PendingTotpSecret = e.Secret },
            TotpEnabled e => state with
            {
                TotpSecret = state.PendingTotpSecret,
                PendingTotpSecret = null,
                LastTotpStep = Math.Max(state.LastTotpStep, e.ConfirmedStep),
                RecoveryCodeHashes = [.. e.RecoveryCodeHashes],
                UsedRecoveryCodes = [],
            },
            SignInSucceeded e => state with
            {
                LastTotpStep = e.TotpStep is { } step ? Math.Max(state.LastTotpStep, step) : state.LastTotpStep,
                UsedRecoveryCodes = e.RecoveryCode is { } index ? state.UsedRecoveryCodes.Add(index) : state.UsedRecoveryCodes,
                RecentFailures = [],
            },
            SignInFailed e => e.Reason == SignInFailure.Locked ? state : state with { RecentFailures = state.RecentFailures.Add(e.FailedAt) },
            AccountLocked e => state with { LockedUntil = e.LockedUntil, RecentFailures = [] },
            SignedOut => state,
            _ => throw new InvalidOperationException(
                $"AccountState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
