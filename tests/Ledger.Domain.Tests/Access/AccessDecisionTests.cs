using Ledger.Domain.Access;
using Ledger.Domain.Tests.Support;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Access;

public sealed class AccessDecisionTests
{
    private static readonly Actor DoctorActor = new(ActorKind.Doctor, Doctor);
    private static readonly Actor Auditor = new(ActorKind.Auditor, Doctor);

    [Fact]
    public void Records_a_doctor_reading_under_a_consent() =>
        Specs.Access.When(new RecordAccess(Patient, DoctorActor, Document, "Консультация", Consent, AccessChannel.ShareLink, AccessOutcome.Succeeded))
            .Then(new RecordAccessed(Patient, DoctorActor, Document, "Консультация", Consent, AccessChannel.ShareLink, AccessOutcome.Succeeded, Now));

    [Fact]
    public void A_doctor_reading_without_a_consent_is_rejected() =>
        Specs.Access.When(new RecordAccess(Patient, DoctorActor, Document, "Консультация", null, AccessChannel.Web, AccessOutcome.Succeeded))
            .ThenRejected("access.consent_required");

    [Fact]
    public void An_access_without_a_purpose_is_rejected() =>
        Specs.Access.When(new RecordAccess(Patient, Auditor, null, "", null, AccessChannel.Api, AccessOutcome.Succeeded))
            .ThenRejected("access.purpose_required");

    [Fact]
    public void Records_a_denial_with_its_reason() =>
        Specs.Access.When(new RecordAccessDenial(Patient, DoctorActor, Document, "Консультация", null, AccessChannel.Web, "consent.not_active"))
            .Then(new AccessDenied(Patient, DoctorActor, Document, "Консультация", null, AccessChannel.Web, "consent.not_active", Now));

    [Fact]
    public void A_denial_without_a_reason_is_rejected() =>
        Specs.Access.When(new RecordAccessDenial(Patient, DoctorActor, Document, "Консультация", null, AccessChannel.Web, " "))
            .ThenRejected("access.reason_required");

    [Fact]
    public void Records_an_export() =>
        Specs.Access.When(new RecordExport(Patient, Auditor, ExportFormat.Ndjson, [Document], "Проверка", null, AccessChannel.Api))
            .Then(new ExportPerformed(Patient, Auditor, ExportFormat.Ndjson, [Document], "Проверка", null, AccessChannel.Api, Now));

    [Fact]
    public void An_export_of_nothing_is_rejected() =>
        Specs.Access.When(new RecordExport(Patient, Auditor, ExportFormat.Pdf, [], "Проверка", null, AccessChannel.Api))
            .ThenRejected("access.export_empty");
}
