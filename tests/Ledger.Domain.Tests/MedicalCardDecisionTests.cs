using Ledger.Domain.Identifiers;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Tests.Support;
using static Ledger.Testing.Samples;
using static Ledger.Testing.SampleEvents;

namespace Ledger.Domain.Tests;

public sealed class MedicalCardDecisionTests
{
    private static readonly Spec<MedicalCardCommand, IMedicalCardEvent, MedicalCardState> Card =
        new(MedicalCardState.Initial, MedicalCardState.Evolve, MedicalCardDecider.Decide);

    private static readonly ConditionRecorded Delivered = new(Patient, CardEntry, CardEntrySource.Clinic, Clinic, "fhir:1", CardCondition, Now);

    [Fact]
    public void A_delivered_condition_is_recorded_from_the_clinic() =>
        Card.When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:1", CardCondition)).Then(Delivered);

    [Fact]
    public void The_same_delivery_again_changes_nothing() =>
        Card.Given(Delivered).When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:2", CardCondition)).ThenNothing();

    [Fact]
    public void Other_content_from_the_same_clinic_is_a_correction() =>
        Card.Given(Delivered).When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:2", CardCondition with { ClinicalStatus = "resolved" }))
            .Then(new ConditionCorrected(Patient, CardEntry, "fhir:2", CardCondition with { ClinicalStatus = "resolved" }, Now));

    [Fact]
    public void Entered_in_error_takes_the_entry_off_the_card() =>
        Card.Given(Delivered).When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:3", CardCondition with { VerificationStatus = "entered-in-error" }))
            .Then(new CardEntryEnteredInError(Patient, CardEntry, CardEntrySource.Clinic, "fhir:3", null, Now));

    [Fact]
    public void Entered_in_error_for_an_unknown_entry_is_refused() =>
        Card.When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:3", CardCondition with { VerificationStatus = "entered-in-error" }))
            .ThenRejected("medicalcard.entry_not_found");

    [Fact]
    public void An_entry_in_error_cannot_be_changed() =>
        Card.Given(Delivered, new CardEntryEnteredInError(Patient, CardEntry, CardEntrySource.Clinic, "fhir:3", null, Now))
            .When(new RecordCondition(Patient, CardEntry, Clinic, "fhir:4", CardCondition with { Note = "другое" }))
            .ThenRejected("medicalcard.entered_in_error");

    [Fact]
    public void Another_organisation_cannot_change_a_clinics_entry() =>
        Card.Given(Delivered).When(new RecordCondition(Patient, CardEntry, Lab, "fhir:5", CardCondition)).ThenRejected("medicalcard.entry_not_yours");

    [Fact]
    public void A_patient_reported_condition_is_kept_apart_from_the_clinics() =>
        Card.When(new ReportCondition(Patient, CardEntry, CardCondition))
            .Then(new ConditionRecorded(Patient, CardEntry, CardEntrySource.Patient, null, null, CardCondition, Now));

    [Fact]
    public void A_report_needs_a_code_or_a_text() =>
        Card.When(new ReportCondition(Patient, CardEntry, CardCondition with { Code = null, Text = null })).ThenRejected("medicalcard.code_or_text_required");

    [Fact]
    public void A_report_with_an_onset_after_today_is_refused() =>
        Card.When(new ReportCondition(Patient, CardEntry, CardCondition with { Onset = new NodaTime.LocalDate(2999, 1, 1) })).ThenRejected("medicalcard.onset_in_future");

    [Fact]
    public void A_patient_cannot_report_over_a_clinics_entry() =>
        Card.Given(Delivered).When(new ReportCondition(Patient, CardEntry, CardCondition)).ThenRejected("medicalcard.entry_exists");

    [Fact]
    public void The_patient_withdraws_only_their_own_entry() =>
        Card.Given(Delivered).When(new WithdrawReportedEntry(Patient, CardEntry, null)).ThenRejected("medicalcard.entry_not_yours");
}
