using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Identity;

/// <summary>The outcome of the password step: the account to continue with, and whether it has an authenticator yet.</summary>
public sealed record PasswordStep(PatientId Patient, bool SecondFactorEnrolled);

/// <summary>A new authenticator: its secret (base32, to type in), the otpauth URI and that URI as an SVG QR code.</summary>
public sealed record TotpEnrolment(string Secret, string OtpauthUri, string QrSvg);

/// <summary>
/// The ledger's own sign-in, as a service the endpoints and the cabinet's pages call: accounts, the password step, the
/// second factor (a one-time code or a recovery code), the authenticator's enrolment and sign-out. Every outcome is an
/// event of the patient's account stream, decided by <see cref="AccountDecider"/>. A step that fails answers null (or
/// false) whatever the cause, so that callers cannot tell a wrong password from an unknown login or a locked account.
/// </summary>
public sealed class IdentityService(CommandExecutor executor, EventStore.EventStore store, AccountDirectory directory, IdentitySettings settings, IClock clock)
{
    /// <summary>
    /// Opens an account for a registered patient with <paramref name="password"/>, or a generated one when null; answers
    /// the password (to hand over once). Refused (<see cref="DomainRejection"/>) for an unknown patient, a taken login, a
    /// second account or a password that breaks the rules.
    /// </summary>
    public async Task<string> CreateAccountAsync(PatientId patient, string login, string? password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(login);
        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(patient), cancellationToken: cancellationToken);
        if (!state.Registered || state.Erased)
        {
            throw new DomainRejection("account.patient_not_found", "no registered patient has this id");
        }

        password ??= PasswordHasher.Generate();
        if (PasswordRules.Problem(password, login) is { } problem)
        {
            throw new DomainValidationException("password", problem);
        }

        await ExecuteAsync(patient, new OpenAccount(patient, login.Trim(), PasswordHasher.Hash(password, settings.PasswordIterations)), "system", cancellationToken);
        return password;
    }

    /// <summary>The password step; null when refused (unknown login, wrong password, locked account: one answer).</summary>
    public async Task<PasswordStep?> CheckPasswordAsync(string login, string password, SignInClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(login);
        ArgumentNullException.ThrowIfNull(password);
        var patient = login.Length is > 0 and <= 256 ? await directory.FindAsync(login, cancellationToken) : null;
        var state = patient is { } p ? await StateAsync(p, cancellationToken) : null;
        if (patient is null || state is not { Exists: true, Password: { } hash })
        {
            PasswordHasher.Decoy(password, settings.PasswordIterations);
            return null;
        }

        var matches = PasswordHasher.Verify(password, hash);
        var outcome = await ExecuteAsync(patient.Value, new CheckPassword(patient.Value, client, matches, settings.Lockout), null, cancellationToken);
        return outcome.Count == 0 ? new PasswordStep(patient.Value, state.TotpEnabled) : null;
    }

    /// <summary>
    /// The second step with a 6-digit code or a recovery code; the method used when it completes the sign-in, null when
    /// refused (wrong, replayed or used code, locked account, no authenticator).
    /// </summary>
    public async Task<SignInMethod?> CheckSecondFactorAsync(PatientId patient, string code, SignInClient client, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        var state = await StateAsync(patient, cancellationToken);
        if (state.TotpSecret is not { } secret)
        {
            return null;
        }

        var given = new string([.. code.Where(c => !char.IsWhiteSpace(c))]);
        SecondFactorProof proof = given.Length == TotpCodes.Digits && given.All(char.IsAsciiDigit)
            ? new TotpProof(TotpCodes.Match(secret, given, clock.GetCurrentInstant()))
            : new RecoveryCodeProof(RecoveryCodes.IndexOf(state.RecoveryCodeHashes, patient, given));
        var events = await ExecuteAsync(patient, new CheckSecondFactor(patient, client, proof, settings.Lockout), null, cancellationToken);
        return events.OfType<SignInSucceeded>().FirstOrDefault()?.Method;
    }

    /// <summary>Issues a new authenticator secret (pending until <see cref="ConfirmTotpEnrolmentAsync"/>).</summary>
    public async Task<TotpEnrolment> StartTotpEnrolmentAsync(PatientId patient, CancellationToken cancellationToken = default)
    {
        var state = await StateAsync(patient, cancellationToken);
        var secret = TotpCodes.NewSecret();
        await ExecuteAsync(patient, new StartTotpEnrolment(patient, secret), "patient", cancellationToken);
        var uri = TotpCodes.Uri(settings.Issuer, state.Login ?? patient.Value.ToString("N")[..8], secret);
        return new TotpEnrolment(secret, uri, TotpCodes.QrSvg(uri));
    }

    /// <summary>
    /// Confirms the pending authenticator with its first code: answers the new recovery codes (shown once, stored
    /// hashed), or null when the code is wrong or the account locked. <paramref name="signsIn"/> when this completes a
    /// sign-in (the enrolment that follows a first password step).
    /// </summary>
    public async Task<IReadOnlyList<string>?> ConfirmTotpEnrolmentAsync(PatientId patient, string code, SignInClient client, bool signsIn, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        var state = await StateAsync(patient, cancellationToken);
        var given = new string([.. code.Where(c => !char.IsWhiteSpace(c))]);
        var step = state.PendingTotpSecret is { } pending ? TotpCodes.Match(pending, given, clock.GetCurrentInstant()) : null;
        var codes = RecoveryCodes.New();
        var events = await ExecuteAsync(
            patient,
            new ConfirmTotpEnrolment(patient, client, step, [.. codes.Select(c => RecoveryCodes.Hash(patient, c))], signsIn, settings.Lockout),
            signsIn ? null : "patient",
            cancellationToken);
        return events.OfType<TotpEnabled>().Any() ? codes : null;
    }

    /// <summary>Records the end of the patient's sessions: every session issued before is refused from now on.</summary>
    public Task SignOutAsync(PatientId patient, SignInClient client, CancellationToken cancellationToken = default) =>
        ExecuteAsync(patient, new SignOut(patient, client), "patient", cancellationToken);

    /// <summary>The patient's account as its events say (no account: <see cref="AccountState.Exists"/> is false).</summary>
    public async Task<AccountState> StateAsync(PatientId patient, CancellationToken cancellationToken = default) =>
        (await store.AggregateAsync(Deciders.Account, StreamIds.Account(patient), cancellationToken: cancellationToken)).State;

    private async Task<IReadOnlyList<IAccountEvent>> ExecuteAsync(PatientId patient, AccountCommand command, string? actorKind, CancellationToken cancellationToken)
    {
        var commandId = Guid.CreateVersion7();

        // Before the second factor nobody is signed in yet: the steps are the sign-in's own, not the patient's acts.
        var metadata = new EventMetadata(CorrelationId: commandId, ActorKind: actorKind ?? "sign-in", ActorId: actorKind == "patient" ? patient.Value.ToString("D") : null);
        var outcome = await executor.ExecuteAsync(Deciders.Account, StreamIds.Account(patient), command, new CommandContext(commandId, metadata, patient.Value), cancellationToken);
        return outcome.Events;
    }
}
