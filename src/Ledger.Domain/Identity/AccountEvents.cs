using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Identity;

/// <summary>
/// A password as stored: the algorithm (<c>pbkdf2-sha256</c>), its iteration count, the account's own random salt and the
/// derived key, both base64. The count is kept with the hash so that it can rise later without breaking older hashes.
/// </summary>
public sealed record PasswordHash(string Algorithm, int Iterations, string Salt, string Hash);

/// <summary>Where a sign-in step came from: the network address and the browser's user agent, as the server saw them.</summary>
public sealed record SignInClient(string? Address, string? UserAgent);

/// <summary>How a sign-in was completed.</summary>
public enum SignInMethod
{
    /// <summary>Password and a time-based one-time code.</summary>
    Totp,

    /// <summary>Password and one of the recovery codes.</summary>
    RecoveryCode,

    /// <summary>Password and the first code of a new authenticator (the enrolment was confirmed by it).</summary>
    TotpEnrolment,
}

/// <summary>Why a sign-in step was refused.</summary>
public enum SignInFailure
{
    /// <summary>The password was wrong.</summary>
    Password,

    /// <summary>The one-time code was wrong.</summary>
    SecondFactor,

    /// <summary>The one-time code was right but had been used already (or an older one was given).</summary>
    ReplayedCode,

    /// <summary>The recovery code was wrong or used already.</summary>
    RecoveryCode,

    /// <summary>The account was locked out after repeated failures.</summary>
    Locked,
}

/// <summary>An event of a patient's account stream (<see cref="AccountState.Evolve"/> folds them).</summary>
public interface IAccountEvent
{
}

/// <summary>The patient got an account for the cabinet's own sign-in, with a login and a password.</summary>
public sealed record AccountOpened(PatientId PatientId, string Login, PasswordHash Password, Instant OpenedAt) : IAccountEvent;

/// <summary>A new authenticator secret was issued; it is used once a first valid code confirms it.</summary>
public sealed record TotpEnrolmentStarted(PatientId PatientId, string Secret, Instant StartedAt) : IAccountEvent;

/// <summary>The pending authenticator was confirmed by the code of <see cref="ConfirmedStep"/>; new recovery codes (their hashes) replace any older ones.</summary>
public sealed record TotpEnabled(PatientId PatientId, long ConfirmedStep, IReadOnlyList<string> RecoveryCodeHashes, Instant EnabledAt) : IAccountEvent;

/// <summary>The patient signed in with both factors; the code's time step (or the recovery code's index) is used up.</summary>
public sealed record SignInSucceeded(PatientId PatientId, SignInClient Client, SignInMethod Method, long? TotpStep, int? RecoveryCode, Instant SignedInAt) : IAccountEvent;

/// <summary>A sign-in step was refused.</summary>
public sealed record SignInFailed(PatientId PatientId, SignInClient Client, SignInFailure Reason, Instant FailedAt) : IAccountEvent;

/// <summary>Repeated failures locked the account until <see cref="LockedUntil"/>.</summary>
public sealed record AccountLocked(PatientId PatientId, SignInClient Client, Instant LockedUntil, Instant LockedAt) : IAccountEvent;

/// <summary>The patient ended a session.</summary>
public sealed record SignedOut(PatientId PatientId, SignInClient Client, Instant SignedOutAt) : IAccountEvent;
