using Ledger.Domain.Identity;
using Ledger.Domain.Tests.Support;
using NodaTime;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Identity;

public sealed class AccountDecisionTests
{
    private static readonly PasswordHash Hash = new("pbkdf2-sha256", 600_000, "c2FsdA==", "a2V5");
    private static readonly SignInClient Client = new("192.0.2.7", "Firefox");
    private static readonly LockoutPolicy Policy = new(3, Duration.FromMinutes(15), Duration.FromMinutes(15));
    private static readonly AccountOpened Opened = new(Patient, "maria", Hash, Now);
    private static readonly TotpEnrolmentStarted Started = new(Patient, "SECRET", Now);
    private static readonly TotpEnabled Enabled = new(Patient, 100, ["h0", "h1"], Now);

    private static SignInFailed Failed(SignInFailure reason, Instant at) => new(Patient, Client, reason, at);

    private static CheckSecondFactor Code(long? step) => new(Patient, Client, new TotpProof(step), Policy);

    [Fact]
    public void Opens_an_account() => Specs.Account.When(new OpenAccount(Patient, "maria", Hash)).Then(Opened);

    [Fact]
    public void A_second_account_is_rejected() => Specs.Account.Given(Opened).When(new OpenAccount(Patient, "other", Hash)).ThenRejected("account.exists");

    [Fact]
    public void A_hash_with_fewer_than_600000_iterations_is_rejected() =>
        Specs.Account.When(new OpenAccount(Patient, "maria", Hash with { Iterations = 599_999 })).ThenRejected("account.weak_hash");

    [Fact]
    public void A_matching_password_records_nothing_yet() =>
        Specs.Account.Given(Opened).When(new CheckPassword(Patient, Client, true, Policy)).ThenNothing();

    [Fact]
    public void A_wrong_password_is_a_failure() =>
        Specs.Account.Given(Opened).When(new CheckPassword(Patient, Client, false, Policy)).Then(Failed(SignInFailure.Password, Now));

    [Fact]
    public void The_failure_that_reaches_the_limit_within_the_window_locks_the_account() =>
        Specs.Account.Given(Opened, Failed(SignInFailure.Password, Now - Duration.FromMinutes(10)), Failed(SignInFailure.SecondFactor, Now - Duration.FromMinutes(1)))
            .When(new CheckPassword(Patient, Client, false, Policy))
            .Then(Failed(SignInFailure.Password, Now), new AccountLocked(Patient, Client, Now + Duration.FromMinutes(15), Now));

    [Fact]
    public void Failures_older_than_the_window_do_not_count() =>
        Specs.Account.Given(Opened, Failed(SignInFailure.Password, Now - Duration.FromMinutes(20)), Failed(SignInFailure.Password, Now - Duration.FromMinutes(16)))
            .When(new CheckPassword(Patient, Client, false, Policy))
            .Then(Failed(SignInFailure.Password, Now));

    [Fact]
    public void A_locked_account_refuses_even_the_right_password() =>
        Specs.Account.Given(Opened, new AccountLocked(Patient, Client, Now + Duration.FromMinutes(5), Now - Duration.FromMinutes(10)))
            .When(new CheckPassword(Patient, Client, true, Policy))
            .Then(Failed(SignInFailure.Locked, Now));

    [Fact]
    public void The_lock_ends_at_its_time() =>
        Specs.Account.Given(Opened, new AccountLocked(Patient, Client, Now, Now - Duration.FromMinutes(15)))
            .When(new CheckPassword(Patient, Client, true, Policy))
            .ThenNothing();

    [Fact]
    public void A_success_clears_the_failures() =>
        Specs.Account.Given(Opened, Started, Enabled, Failed(SignInFailure.Password, Now - Duration.FromMinutes(2)), Failed(SignInFailure.Password, Now - Duration.FromMinutes(1)),
                new SignInSucceeded(Patient, Client, SignInMethod.Totp, 101, null, Now - Duration.FromSeconds(30)))
            .When(new CheckPassword(Patient, Client, false, Policy))
            .Then(Failed(SignInFailure.Password, Now));

    [Fact]
    public void A_matching_code_signs_in_and_uses_its_step() =>
        Specs.Account.Given(Opened, Started, Enabled).When(Code(101)).Then(new SignInSucceeded(Patient, Client, SignInMethod.Totp, 101, null, Now));

    [Fact]
    public void A_wrong_code_is_a_failure() =>
        Specs.Account.Given(Opened, Started, Enabled).When(Code(null)).Then(Failed(SignInFailure.SecondFactor, Now));

    [Fact]
    public void A_code_of_a_step_used_already_is_refused_as_a_replay() =>
        Specs.Account.Given(Opened, Started, Enabled, new SignInSucceeded(Patient, Client, SignInMethod.Totp, 101, null, Now))
            .When(Code(101)).Then(Failed(SignInFailure.ReplayedCode, Now));

    [Fact]
    public void A_code_older_than_the_one_that_confirmed_the_authenticator_is_refused() =>
        Specs.Account.Given(Opened, Started, Enabled).When(Code(100)).Then(Failed(SignInFailure.ReplayedCode, Now));

    [Fact]
    public void A_recovery_code_signs_in_once() =>
        Specs.Account.Given(Opened, Started, Enabled)
            .When(new CheckSecondFactor(Patient, Client, new RecoveryCodeProof(1), Policy))
            .Then(new SignInSucceeded(Patient, Client, SignInMethod.RecoveryCode, null, 1, Now));

    [Fact]
    public void A_used_recovery_code_is_refused() =>
        Specs.Account.Given(Opened, Started, Enabled, new SignInSucceeded(Patient, Client, SignInMethod.RecoveryCode, null, 1, Now))
            .When(new CheckSecondFactor(Patient, Client, new RecoveryCodeProof(1), Policy))
            .Then(Failed(SignInFailure.RecoveryCode, Now));

    [Fact]
    public void New_recovery_codes_replace_the_used_ones() =>
        Specs.Account.Given(Opened, Started, Enabled, new SignInSucceeded(Patient, Client, SignInMethod.RecoveryCode, null, 1, Now), Started, Enabled with { ConfirmedStep = 102 })
            .When(new CheckSecondFactor(Patient, Client, new RecoveryCodeProof(1), Policy))
            .Then(new SignInSucceeded(Patient, Client, SignInMethod.RecoveryCode, null, 1, Now));

    [Fact]
    public void The_second_step_needs_a_confirmed_authenticator() =>
        Specs.Account.Given(Opened, Started).When(Code(101)).ThenRejected("account.second_factor_not_enrolled");

    [Fact]
    public void Confirming_the_authenticator_at_the_first_sign_in_signs_in() =>
        Specs.Account.Given(Opened, Started)
            .When(new ConfirmTotpEnrolment(Patient, Client, 100, ["h0", "h1"], SignsIn: true, Policy))
            .Then(Enabled, new SignInSucceeded(Patient, Client, SignInMethod.TotpEnrolment, 100, null, Now));

    [Fact]
    public void Confirming_within_a_session_does_not_record_a_sign_in() =>
        Specs.Account.Given(Opened, Started).When(new ConfirmTotpEnrolment(Patient, Client, 100, ["h0", "h1"], SignsIn: false, Policy)).Then(Enabled);

    [Fact]
    public void A_wrong_first_code_is_a_failure() =>
        Specs.Account.Given(Opened, Started).When(new ConfirmTotpEnrolment(Patient, Client, null, ["h0"], SignsIn: true, Policy)).Then(Failed(SignInFailure.SecondFactor, Now));

    [Fact]
    public void Confirming_without_an_enrolment_is_rejected() =>
        Specs.Account.Given(Opened).When(new ConfirmTotpEnrolment(Patient, Client, 100, ["h0"], SignsIn: true, Policy)).ThenRejected("account.no_enrolment");

    [Fact]
    public void Signing_out_is_recorded() =>
        Specs.Account.Given(Opened).When(new SignOut(Patient, Client)).Then(new SignedOut(Patient, Client, Now));

    [Fact]
    public void Steps_on_an_account_that_does_not_exist_are_rejected() =>
        Specs.Account.When(new CheckPassword(Patient, Client, true, Policy)).ThenRejected("account.not_found");
}
