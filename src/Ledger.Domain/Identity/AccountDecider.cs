using NodaTime;

namespace Ledger.Domain.Identity;

/// <summary>
/// Decides a patient's sign-in steps. The secrets are checked by the caller (hashing and code computation are not the
/// domain's); this decides what the outcome means: lock-out after repeated failures, a code used once only, each
/// recovery code once only, and every failure recorded.
/// </summary>
public static class AccountDecider
{
    /// <summary>The fewest PBKDF2 iterations an account's password hash may have.</summary>
    public const int MinimumIterations = 600_000;

    public static IReadOnlyList<IAccountEvent> Decide(AccountCommand command, AccountState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            OpenAccount c => Open(c, state, now),
            CheckPassword c => Existing(state).IsLocked(now) ? Refuse(state, c.Client, SignInFailure.Locked, c.Policy, now)
                : c.Matches ? [] : Refuse(state, c.Client, SignInFailure.Password, c.Policy, now),
            CheckSecondFactor c => SecondFactor(c, Existing(state), now),
            StartTotpEnrolment c => string.IsNullOrWhiteSpace(c.Secret)
                ? throw new DomainRejection("account.secret_required", "An authenticator needs a secret.")
                : Decisions.Emit(new TotpEnrolmentStarted(Existing(state).PatientId, c.Secret, now)),
            ConfirmTotpEnrolment c => Confirm(c, Existing(state), now),
            SignOut c => Decisions.Emit(new SignedOut(Existing(state).PatientId, c.Client, now)),
            _ => throw new InvalidOperationException($"Unknown account command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IAccountEvent> Open(OpenAccount c, AccountState state, Instant now)
    {
        if (state.Exists)
        {
            throw new DomainRejection("account.exists", "The patient has an account already.");
        }

        if (string.IsNullOrWhiteSpace(c.Login))
        {
            throw new DomainRejection("account.login_required", "An account needs a login.");
        }

        if (c.Password.Iterations < MinimumIterations)
        {
            throw new DomainRejection("account.weak_hash", $"A password hash needs at least {MinimumIterations} iterations.");
        }

        return Decisions.Emit(new AccountOpened(c.PatientId, c.Login, c.Password, now));
    }

    private static IReadOnlyList<IAccountEvent> SecondFactor(CheckSecondFactor c, AccountState state, Instant now)
    {
        if (!state.TotpEnabled)
        {
            throw new DomainRejection("account.second_factor_not_enrolled", "The account has no confirmed authenticator.");
        }

        if (state.IsLocked(now))
        {
            return Refuse(state, c.Client, SignInFailure.Locked, c.Policy, now);
        }

        return c.Proof switch
        {
            TotpProof { MatchedStep: null } => Refuse(state, c.Client, SignInFailure.SecondFactor, c.Policy, now),
            TotpProof { MatchedStep: { } step } when step <= state.LastTotpStep => Refuse(state, c.Client, SignInFailure.ReplayedCode, c.Policy, now),
            TotpProof { MatchedStep: { } step } => Decisions.Emit(new SignInSucceeded(state.PatientId, c.Client, SignInMethod.Totp, step, null, now)),
            RecoveryCodeProof { MatchedIndex: { } index } when index >= 0 && index < state.RecoveryCodeHashes.Length && !state.UsedRecoveryCodes.Contains(index) =>
                Decisions.Emit(new SignInSucceeded(state.PatientId, c.Client, SignInMethod.RecoveryCode, null, index, now)),
            RecoveryCodeProof => Refuse(state, c.Client, SignInFailure.RecoveryCode, c.Policy, now),
            _ => throw new InvalidOperationException($"Unknown second factor {c.Proof?.GetType().Name ?? "null"}."),
        };
    }

    private static IReadOnlyList<IAccountEvent> Confirm(ConfirmTotpEnrolment c, AccountState state, Instant now)
    {
        if (state.PendingTotpSecret is null)
        {
            throw new DomainRejection("account.no_enrolment", "No authenticator is waiting for confirmation.");
        }

        if (c.RecoveryCodeHashes.Count == 0)
        {
            throw new DomainRejection("account.recovery_codes_required", "Confirming an authenticator issues recovery codes.");
        }

        if (state.IsLocked(now))
        {
            return Refuse(state, c.Client, SignInFailure.Locked, c.Policy, now);
        }

        if (c.MatchedStep is not { } step)
        {
            return Refuse(state, c.Client, SignInFailure.SecondFactor, c.Policy, now);
        }

        var enabled = new TotpEnabled(state.PatientId, step, [.. c.RecoveryCodeHashes], now);
        return c.SignsIn
            ? [enabled, new SignInSucceeded(state.PatientId, c.Client, SignInMethod.TotpEnrolment, step, null, now)]
            : [enabled];
    }

    /// <summary>A refused step; the failure that reaches the policy's limit within its window locks the account as well.</summary>
    private static IReadOnlyList<IAccountEvent> Refuse(AccountState state, SignInClient client, SignInFailure reason, LockoutPolicy policy, Instant now)
    {
        var failed = new SignInFailed(state.PatientId, client, reason, now);
        if (reason == SignInFailure.Locked)
        {
            return [failed];
        }

        var recent = state.RecentFailures.Count(at => at > now - policy.Window) + 1;
        return recent >= policy.MaxFailures
            ? [failed, new AccountLocked(state.PatientId, client, now + policy.LockFor, now)]
            : [failed];
    }

    private static AccountState Existing(AccountState state) =>
        state.Exists ? state : throw new DomainRejection("account.not_found", "The patient has no account.");
}
