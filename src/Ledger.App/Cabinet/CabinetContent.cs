using Ledger.App.Consents;
using Ledger.Domain.Results;
using NodaTime;

namespace Ledger.App.Cabinet;

/// <summary>The columns of a cabinet row that come from a document's content.</summary>
public sealed record CabinetContent(
    string DocumentType,
    string Kind,
    string? Modality,
    Instant EventAt,
    Instant? IssuedAt,
    string Title,
    string? OrderNumber,
    string? DocumentNumber,
    string? Specialist,
    string TestNames,
    int OutOfRange)
{
    /// <summary>
    /// Kinds: lab reports by <see cref="LabKinds"/>; instrumental studies <c>instrumental</c> (modality in its own
    /// column); visit protocols <c>protocol</c>; vaccinations <c>vaccination</c>.
    /// </summary>
    public static CabinetContent Of(ResultContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var type = ConsentText.Type(content.GetDocumentType());
        return content switch
        {
            LabReport lab => new(
                type,
                LabKinds.Of(lab),
                null,
                lab.CollectedAt,
                lab.IssuedAt,
                string.Join(", ", lab.Panels.Select(p => p.Name)),
                lab.OrderNumber,
                lab.SpecimenNumber,
                lab.ResponsibleSpecialist,
                string.Join("\n", lab.Panels.Select(p => p.Name).Concat(lab.Panels.SelectMany(p => p.Observations.Select(o => o.Name)))),
                lab.Panels.SelectMany(p => p.Observations).Count(o => o.Flag is { } f && f.Code != "N")),
            InstrumentalStudy study => new(type, "instrumental", Http.CamelCaseEnumConverterFactory.Name(study.Modality), study.PerformedAt, null, $"{study.Modality} {study.BodySite}", null, null, study.Specialist, study.BodySite, 0),
            VisitProtocol visit => new(type, "protocol", null, visit.VisitedAt, null, visit.Specialty, null, null, visit.Doctor, visit.Specialty, 0),
            Vaccination vaccination => new(type, "vaccination", null, vaccination.Date.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant(), null, vaccination.Vaccine, vaccination.Series, null, null, vaccination.Vaccine, 0),
            _ => throw new InvalidOperationException($"unknown content {content.GetType().Name}"),
        };
    }
}
