using NodaTime;

namespace Ledger.Domain.Results;

/// <summary>The checks every document content must pass, at arrival and at correction.</summary>
internal static class ResultContentRules
{
    public static void Check(ResultContent content, Instant now)
    {
        ArgumentNullException.ThrowIfNull(content);
        switch (content)
        {
            case LabReport report:
                CheckLab(report, now);
                break;
            case InstrumentalStudy study:
                CheckStudy(study, now);
                break;
            case VisitProtocol visit:
                Require(visit.VisitedAt <= now, "result.visit_in_future", "The visit is after now.");
                Require(!string.IsNullOrWhiteSpace(visit.Doctor), "result.doctor_required", "The doctor is missing.");
                break;
            case Vaccination vaccination:
                Require(vaccination.Date <= Decisions.LatestToday(now), "result.vaccination_in_future", "The vaccination date is in the future.");
                Require(!string.IsNullOrWhiteSpace(vaccination.Vaccine), "result.vaccine_required", "The vaccine is missing.");
                Require(vaccination.DoseNumber >= 1, "result.dose_number_invalid", "The dose number must be 1 or more.");
                break;
            default:
                throw new InvalidOperationException($"Unknown result content {content.GetType().Name}.");
        }
    }

    private static void CheckLab(LabReport report, Instant now)
    {
        Require(!string.IsNullOrWhiteSpace(report.OrderNumber), "result.order_number_required", "The order number is missing.");
        Require(report.IssuedAt >= report.CollectedAt, "result.issued_before_collected", "The report was issued before the specimen was collected.");
        Require(report.IssuedAt <= now, "result.issued_in_future", "The report is issued after now.");
        Require(
            report.Panels.Count > 0 && report.Panels.All(p => p.Observations.Count > 0),
            "result.no_observations",
            "Every lab report needs at least one panel and every panel at least one observation.");
        foreach (var observation in report.Panels.SelectMany(p => p.Observations))
        {
            var withdrawn = observation.Status is ObservationStatus.Cancelled or ObservationStatus.EnteredInError;
            Require(
                withdrawn || observation.Value is not null || !string.IsNullOrWhiteSpace(observation.TextValue),
                "result.observation_without_value",
                $"Observation {observation.Code.Code} has neither a value nor a text.");
            Require(
                observation.Value is null || observation.Unit is not null,
                "result.value_without_unit",
                $"Observation {observation.Code.Code} has a value without a UCUM unit (use \"1\" for unitless).");
            var range = observation.ReferenceRange;
            Require(
                range?.Low is null || range.High is null || range.Low <= range.High,
                "result.reference_range_inverted",
                $"Observation {observation.Code.Code} has a reference range with low above high.");
        }
    }

    private static void CheckStudy(InstrumentalStudy study, Instant now)
    {
        Require(study.PerformedAt <= now, "result.performed_in_future", "The study is performed after now.");
        Require(!string.IsNullOrWhiteSpace(study.Conclusion), "result.conclusion_required", "The conclusion is missing.");
        Require(study.Attachments.All(a => a.SizeBytes > 0), "result.attachment_empty", "An attachment has no bytes.");
    }

    private static void Require(bool condition, string code, string message)
    {
        if (!condition)
        {
            throw new DomainRejection(code, message);
        }
    }
}
