using Ledger.Domain.Results;
using Ledger.Domain.Tests.Support;
using NodaTime;
using static Ledger.Testing.Samples;

namespace Ledger.Domain.Tests.Results;

public sealed class ResultDecisionTests
{
    private static readonly LabResultArrived Arrived = new(Document, ResolvedPatient, Lab, "MSG-1", LabReport());

    private static RecordLabResult Record(LabReport? report = null, string deliveryId = "MSG-1") =>
        new(Document, ResolvedPatient, Lab, deliveryId, report ?? LabReport());

    [Fact]
    public void Records_a_lab_result() => Specs.Result.When(Record()).Then(Arrived);

    [Fact]
    public void A_redelivery_changes_nothing() => Specs.Result.Given(Arrived).When(Record()).ThenNothing();

    [Fact]
    public void Another_delivery_for_the_same_document_is_rejected() =>
        Specs.Result.Given(Arrived).When(Record(deliveryId: "MSG-2")).ThenRejected("result.already_recorded");

    [Fact]
    public void A_report_issued_before_collection_is_rejected() =>
        Specs.Result.When(Record(LabReport() with { IssuedAt = Instant.FromUtc(2025, 3, 13, 6, 0) }))
            .ThenRejected("result.issued_before_collected");

    [Fact]
    public void A_report_issued_after_now_is_rejected() =>
        Specs.Result.When(Record(), at: Instant.FromUtc(2025, 3, 13, 14, 0)).ThenRejected("result.issued_in_future");

    [Fact]
    public void A_report_without_observations_is_rejected() =>
        Specs.Result.When(Record(LabReport() with { Panels = [] })).ThenRejected("result.no_observations");

    [Fact]
    public void An_inverted_reference_range_is_rejected()
    {
        var panel = LabReport().Panels[0];
        var bad = panel.Observations[0] with { ReferenceRange = new ReferenceRange(6.1m, 3.9m, null) };
        Specs.Result.When(Record(LabReport() with { Panels = [panel with { Observations = [bad] }] }))
            .ThenRejected("result.reference_range_inverted");
    }

    [Fact]
    public void A_value_without_a_unit_is_rejected()
    {
        var panel = LabReport().Panels[0];
        var bad = panel.Observations[0] with { Unit = null };
        Specs.Result.When(Record(LabReport() with { Panels = [panel with { Observations = [bad] }] }))
            .ThenRejected("result.value_without_unit");
    }

    [Fact]
    public void An_observation_without_a_value_is_rejected_unless_withdrawn()
    {
        var panel = LabReport().Panels[0];
        var empty = panel.Observations[2] with { TextValue = null };
        Specs.Result.When(Record(LabReport() with { Panels = [panel with { Observations = [empty] }] }))
            .ThenRejected("result.observation_without_value");
        var cancelled = empty with { Status = ObservationStatus.Cancelled };
        var report = LabReport() with { Panels = [panel with { Observations = [cancelled] }] };
        Specs.Result.When(Record(report)).Then(Arrived with { Report = report });
    }

    [Fact]
    public void Records_a_study_a_visit_and_a_vaccination()
    {
        Specs.Result.When(new RecordInstrumentalStudy(Document, ResolvedPatient, Clinic, "M", Study()))
            .Then(new InstrumentalStudyArrived(Document, ResolvedPatient, Clinic, "M", Study()));
        Specs.Result.When(new RecordVisitProtocol(Document, ResolvedPatient, Clinic, "M", Visit()))
            .Then(new VisitProtocolRecorded(Document, ResolvedPatient, Clinic, "M", Visit()));
        Specs.Result.When(new RecordVaccination(Document, ResolvedPatient, Clinic, "M", Vaccination()))
            .Then(new VaccinationRecorded(Document, ResolvedPatient, Clinic, "M", Vaccination()));
    }

    [Fact]
    public void Content_rules_of_other_documents()
    {
        Specs.Result.When(new RecordInstrumentalStudy(Document, ResolvedPatient, Clinic, "M", Study() with { Conclusion = "" }))
            .ThenRejected("result.conclusion_required");
        Specs.Result.When(new RecordVaccination(Document, ResolvedPatient, Clinic, "M", Vaccination() with { DoseNumber = 0 }))
            .ThenRejected("result.dose_number_invalid");
        Specs.Result.When(new RecordVaccination(Document, ResolvedPatient, Clinic, "M", Vaccination() with { Date = new LocalDate(2025, 3, 16) }))
            .ThenRejected("result.vaccination_in_future");
        Specs.Result.When(new RecordVisitProtocol(Document, ResolvedPatient, Clinic, "", Visit()))
            .ThenRejected("result.delivery_id_required");
    }

    [Fact]
    public void A_correction_adds_a_version_and_keeps_the_earlier_one()
    {
        var corrected = LabReport(glucose: 5.6m);
        Specs.Result.Given(Arrived).When(new CorrectResult(Document, Lab, "MSG-2", corrected, "typo"))
            .Then(new ResultCorrected(Document, ResolvedPatient, Lab, "MSG-2", corrected, "typo"));

        var state = new IResultEvent[] { Arrived, new ResultCorrected(Document, ResolvedPatient, Lab, "MSG-2", corrected, "typo") }
            .Aggregate(ResultState.Initial, ResultState.Evolve);
        Assert.Equal([1, 2], state.Versions.Select(v => v.Number));
        Assert.Equal(5.4m, ((LabReport)state.Versions[0].Content).Panels[0].Observations[0].Value);
        Assert.Same(corrected, state.Current);
    }

    [Fact]
    public void Corrections_are_checked()
    {
        Specs.Result.When(new CorrectResult(Document, Lab, "MSG-2", LabReport(), "typo")).ThenRejected("result.not_found");
        Specs.Result.Given(Arrived).When(new CorrectResult(Document, Clinic, "MSG-2", LabReport(), "typo")).ThenRejected("result.sender_mismatch");
        Specs.Result.Given(Arrived).When(new CorrectResult(Document, Lab, "MSG-2", Vaccination(), "typo")).ThenRejected("result.correction_type_mismatch");
        Specs.Result.Given(Arrived).When(new CorrectResult(Document, Lab, "MSG-2", LabReport(), " ")).ThenRejected("result.correction_reason_required");
        Specs.Result.Given(Arrived).When(new CorrectResult(Document, Lab, "MSG-1", LabReport(), "typo")).ThenNothing();
    }

    [Fact]
    public void Status_moves_only_forward()
    {
        Specs.Result.Given(Arrived).When(new ChangeResultStatus(Document, ResultStatus.Ready))
            .Then(new ResultStatusChanged(Document, ResolvedPatient, Lab, ResultStatus.Pending, ResultStatus.Ready));
        var confirmed = new ResultStatusChanged(Document, ResolvedPatient, Lab, ResultStatus.Pending, ResultStatus.Confirmed);
        Specs.Result.Given(Arrived, confirmed).When(new ChangeResultStatus(Document, ResultStatus.Ready)).ThenRejected("result.status_backward");
        Specs.Result.Given(Arrived, confirmed).When(new ChangeResultStatus(Document, ResultStatus.Confirmed)).ThenNothing();
    }

    [Fact]
    public void Only_a_final_document_is_confirmed_explicitly()
    {
        Specs.Result.Given(Arrived).When(new ChangeResultStatus(Document, ResultStatus.Confirmed)).ThenRejected("result.not_final");
        Specs.Result.Given(Arrived, Became(ResultStatus.Pending, ResultStatus.Ready)).When(new ChangeResultStatus(Document, ResultStatus.Confirmed))
            .Then(Became(ResultStatus.Ready, ResultStatus.Confirmed));
    }

    private static LabReport AllFinal()
    {
        var panel = LabReport().Panels[0];
        return LabReport() with { Panels = [panel with { Observations = [.. panel.Observations.Select(o => o with { Status = ObservationStatus.Final })] }] };
    }

    private static ResultStatusChanged Became(ResultStatus from, ResultStatus to) => new(Document, ResolvedPatient, Lab, from, to);

    [Fact]
    public void A_report_released_final_arrives_ready_and_signed_arrives_confirmed()
    {
        var report = AllFinal();
        Specs.Result.When(Record(report) with { Release = ResultRelease.Final })
            .Then(Arrived with { Report = report }, Became(ResultStatus.Pending, ResultStatus.Ready));
        Specs.Result.When(Record(report) with { Release = ResultRelease.Signed })
            .Then(Arrived with { Report = report }, Became(ResultStatus.Pending, ResultStatus.Confirmed));
    }

    [Fact]
    public void A_preliminary_release_or_a_preliminary_observation_stays_pending()
    {
        Specs.Result.When(Record(AllFinal()) with { Release = ResultRelease.Preliminary }).Then(Arrived with { Report = AllFinal() });
        Specs.Result.When(Record() with { Release = ResultRelease.Signed }).Then(Arrived);
        Specs.Result.When(Record(AllFinal())).Then(Arrived with { Report = AllFinal() });
    }

    [Fact]
    public void A_correction_takes_the_status_of_its_release()
    {
        var confirmed = Became(ResultStatus.Pending, ResultStatus.Confirmed);
        var ready = Became(ResultStatus.Pending, ResultStatus.Ready);
        var fix = new CorrectResult(Document, Lab, "MSG-2", AllFinal(), "typo");
        var corrected = new ResultCorrected(Document, ResolvedPatient, Lab, "MSG-2", AllFinal(), "typo");
        Specs.Result.Given(Arrived).When(fix with { Release = ResultRelease.Signed }).Then(corrected, Became(ResultStatus.Pending, ResultStatus.Confirmed));
        Specs.Result.Given(Arrived, confirmed).When(fix with { Release = ResultRelease.Final }).Then(corrected, Became(ResultStatus.Confirmed, ResultStatus.Ready));
        Specs.Result.Given(Arrived, ready).When(fix with { Release = ResultRelease.Final }).Then(corrected);
        Specs.Result.Given(Arrived, confirmed).When(fix).Then(corrected);
    }

    [Fact]
    public void A_result_for_a_digest_is_resolved_to_a_patient_once()
    {
        var unresolved = Arrived with { Patient = PatientRef.Unresolved(Digest) };
        Specs.Result.Given(unresolved).When(new ResolveResultPatient(Document, Patient))
            .Then(new ResultPatientResolved(Document, ResolvedPatient, Lab, Digest));
        Specs.Result.Given(Arrived).When(new ResolveResultPatient(Document, Patient)).ThenNothing();
        Specs.Result.Given(Arrived).When(new ResolveResultPatient(Document, new Domain.Identifiers.PatientId(Guid.Parse("77777777-7777-7777-7777-777777777777"))))
            .ThenRejected("result.patient_already_resolved");
    }

    [Fact]
    public void A_patient_ref_has_exactly_one_of_id_and_digest()
    {
        Assert.Throws<DomainValidationException>(() => new PatientRef(null, null));
        Assert.Throws<DomainValidationException>(() => new PatientRef(Patient, Digest));
        Assert.Throws<DomainValidationException>(() => PatientRef.Unresolved("not hex"));
    }
}
