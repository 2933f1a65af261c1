using Ledger.Domain.Consents;
using Ledger.Domain.Results;
using Ledger.Domain.Tests.Support;
using NodaTime;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Consents;

public sealed class ConsentDecisionTests
{
    private static readonly Instant Until = Now + Duration.FromDays(30);
    private static readonly ConsentScope LabsOnly = ConsentScope.OfTypes(DocumentType.LabReport);
    private static readonly ConsentGranted Granted = new(Consent, Patient, DoctorName, DoctorSnils, Clinic, LabsOnly, "Консультация", Now, Until);

    private static GrantConsent Grant(Instant? from = null, Instant? until = null, ConsentScope? scope = null, string purpose = "Консультация") =>
        new(Consent, Patient, DoctorName, DoctorSnils, Clinic, scope ?? LabsOnly, purpose, from, until ?? Until);

    [Fact]
    public void Grants_from_now_when_no_start_is_given() => Specs.Consent.When(Grant()).Then(Granted);

    [Fact]
    public void Grants_from_a_later_start() =>
        Specs.Consent.When(Grant(from: Now + Duration.FromDays(1)))
            .Then(Granted with { ValidFrom = Now + Duration.FromDays(1) });

    [Fact]
    public void A_start_in_the_past_is_rejected() =>
        Specs.Consent.When(Grant(from: Now - Duration.FromSeconds(1))).ThenRejected("consent.from_in_past");

    [Fact]
    public void An_end_not_after_the_start_is_rejected() =>
        Specs.Consent.When(Grant(until: Now)).ThenRejected("consent.until_before_from");

    [Fact]
    public void A_purpose_is_required() => Specs.Consent.When(Grant(purpose: " ")).ThenRejected("consent.purpose_required");

    [Fact]
    public void An_empty_scope_list_is_rejected() =>
        Specs.Consent.When(Grant(scope: ConsentScope.OfDocuments())).ThenRejected("consent.scope_empty");

    [Fact]
    public void Granting_twice_is_rejected() => Specs.Consent.Given(Granted).When(Grant()).ThenRejected("consent.already_granted");

    [Fact]
    public void Revokes_an_active_consent() =>
        Specs.Consent.Given(Granted).When(new RevokeConsent(Consent, "done"), at: Now + Duration.FromDays(1))
            .Then(new ConsentRevoked(Consent, Patient, Now + Duration.FromDays(1), "done"));

    [Fact]
    public void Revoking_a_revoked_consent_changes_nothing() =>
        Specs.Consent.Given(Granted, new ConsentRevoked(Consent, Patient, Now, null)).When(new RevokeConsent(Consent, null)).ThenNothing();

    [Fact]
    public void Revoking_after_the_end_changes_nothing() =>
        Specs.Consent.Given(Granted).When(new RevokeConsent(Consent, null), at: Until).ThenNothing();

    [Fact]
    public void Revoking_an_unknown_consent_is_rejected() =>
        Specs.Consent.When(new RevokeConsent(Consent, null)).ThenRejected("consent.not_found");

    [Fact]
    public void Expires_at_its_end() =>
        Specs.Consent.Given(Granted).When(new ExpireConsent(Consent), at: Until + Duration.FromMinutes(1))
            .Then(new ConsentExpired(Consent, Patient, Until));

    [Fact]
    public void Expiring_before_the_end_is_rejected() =>
        Specs.Consent.Given(Granted).When(new ExpireConsent(Consent)).ThenRejected("consent.not_yet_expired");

    [Fact]
    public void Expiring_a_revoked_consent_changes_nothing() =>
        Specs.Consent.Given(Granted, new ConsentRevoked(Consent, Patient, Now, null))
            .When(new ExpireConsent(Consent), at: Until)
            .ThenNothing();

    [Fact]
    public void Is_active_from_its_start_until_just_before_its_end()
    {
        var state = ConsentState.Evolve(ConsentState.Initial, Granted);
        Assert.False(state.IsActiveAt(Now - Duration.Epsilon));
        Assert.True(state.IsActiveAt(Now));
        Assert.True(state.IsActiveAt(Until - Duration.Epsilon));
        Assert.False(state.IsActiveAt(Until));
        Assert.False(ConsentState.Initial.IsActiveAt(Now));
    }

    [Fact]
    public void Is_not_active_at_or_after_its_revocation()
    {
        var revokedAt = Now + Duration.FromDays(2);
        var state = new IConsentEvent[] { Granted, new ConsentRevoked(Consent, Patient, revokedAt, null) }
            .Aggregate(ConsentState.Initial, ConsentState.Evolve);
        Assert.True(state.IsActiveAt(revokedAt - Duration.Epsilon));
        Assert.False(state.IsActiveAt(revokedAt));
        Assert.False(state.IsActiveAt(revokedAt + Duration.FromDays(1)));
    }

    [Fact]
    public void Scope_covers_types_documents_or_all()
    {
        var state = ConsentState.Evolve(ConsentState.Initial, Granted);
        Assert.True(state.Covers(Document, DocumentType.LabReport));
        Assert.False(state.Covers(Document, DocumentType.Vaccination));
        Assert.True(ConsentScope.OfDocuments(Document).Covers(Document, DocumentType.Vaccination));
        Assert.False(ConsentScope.OfDocuments(Document).Covers(OtherDocument, DocumentType.LabReport));
        Assert.True(ConsentScope.All().Covers(OtherDocument, DocumentType.VisitProtocol));
    }
}
