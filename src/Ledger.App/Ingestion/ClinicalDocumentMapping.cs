using System.Security.Cryptography;
using Ledger.App.Ingestion.Parsed;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;
using DomainAttachment = Ledger.Domain.Results.Attachment;

namespace Ledger.App.Ingestion;

/// <summary>Maps the FHIR documents other than lab reports (studies, vaccinations, visit protocols) to the domain.</summary>
public static class ClinicalDocumentMapping
{
    private static readonly Offset Moscow = Offset.FromHours(3);

    public static InstrumentalStudy ToStudy(InstrumentalStudyDocument d, IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(options);
        var performed = d.EffectiveAt ?? d.IssuedAt
            ?? throw new IngestionError(IngestionErrorKind.Invalid, "DiagnosticReport.effective[x]", "no time the study was performed");
        var attachments = new List<DomainAttachment>();
        foreach (var form in d.PresentedForms)
        {
            if (form.Data.Length > options.MaxAttachmentBytes)
            {
                throw new IngestionError(IngestionErrorKind.TooLarge, "DiagnosticReport.presentedForm.data", $"attachment of {form.Data.Length} bytes, at most {options.MaxAttachmentBytes} allowed");
            }

            var type = AttachmentSniffer.Sniff(form.Data.Span)
                ?? throw new IngestionError(IngestionErrorKind.Invalid, "DiagnosticReport.presentedForm.data", "attachment content is not PDF, PNG, JPEG or DICOM");
            attachments.Add(new DomainAttachment(ContentHash.Parse(Convert.ToHexStringLower(SHA256.HashData(form.Data.Span))), type, form.Data.Length, form.Title));
        }

        var name = d.Code?.Text ?? d.Code?.Code ?? string.Empty;
        var specialist = d.ResponsibleSpecialist is { } p ? p.Display ?? string.Join(' ', new[] { p.Family, p.Given }.Where(s => !string.IsNullOrWhiteSpace(s))) : string.Empty;
        return new InstrumentalStudy(
            Modality.Other,
            name,
            performed,
            name,
            d.Conclusion ?? throw new IngestionError(IngestionErrorKind.Invalid, "DiagnosticReport.conclusion", "the study has no conclusion"),
            null,
            specialist,
            attachments);
    }

    /// <summary>A study is final when its report is (final, corrected, amended, appended) and signed by its <c>resultsInterpreter</c>.</summary>
    public static ResultRelease Release(InstrumentalStudyDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Status.Kind is ReportStatusKind.Final or ReportStatusKind.Corrected, d.Signature is not null);
    }

    /// <summary>A vaccination is final when <c>Immunization.status</c> is <c>completed</c>; it is never signed.</summary>
    public static ResultRelease Release(VaccinationDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Status == "completed" ? ResultRelease.Final : ResultRelease.Preliminary;
    }

    /// <summary>A visit protocol is final when <c>Composition.status</c> is <c>final</c> or <c>amended</c>; it is never signed.</summary>
    public static ResultRelease Release(VisitProtocolDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return d.Status is "final" or "amended" ? ResultRelease.Final : ResultRelease.Preliminary;
    }

    public static Vaccination ToVaccination(VaccinationDocument d, Guid sender)
    {
        ArgumentNullException.ThrowIfNull(d);
        var date = d.OccurredAt?.WithOffset(Moscow).Date
            ?? throw new IngestionError(IngestionErrorKind.Invalid, "Immunization.occurrence[x]", "no date of the vaccination");
        var vaccine = d.VaccineText ?? d.VaccineCode?.Text ?? d.VaccineCode?.Code
            ?? throw new IngestionError(IngestionErrorKind.Invalid, "Immunization.vaccineCode", "no vaccine");
        var dose = 1;
        if (d.DoseNumber is { } text && !int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out dose))
        {
            throw new IngestionError(IngestionErrorKind.Invalid, "Immunization.protocolApplied.doseNumber", "not a positive whole number");
        }

        return new Vaccination(date, vaccine, d.LotNumber, d.Manufacturer?.Display, dose, new OrganizationId(sender));
    }

    public static VisitProtocol ToVisit(VisitProtocolDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var visited = d.Date ?? throw new IngestionError(IngestionErrorKind.Invalid, "Composition.date", "no date of the visit");
        var author = d.Authors.Select(a => a.Display ?? string.Join(' ', new[] { a.Family, a.Given }.Where(s => !string.IsNullOrWhiteSpace(s)))).FirstOrDefault(s => !string.IsNullOrWhiteSpace(s))
            ?? throw new IngestionError(IngestionErrorKind.Invalid, "Composition.author", "no doctor");
        var sections = d.Sections.Select(s => string.IsNullOrWhiteSpace(s.Title) ? s.Text : $"{s.Title}: {s.Text}").Where(s => !string.IsNullOrWhiteSpace(s)).ToList();
        return new VisitProtocol(visited, author, d.Type?.Text ?? d.Title ?? string.Empty, [], [], [], sections.Count == 0 ? null : string.Join("\n", sections));
    }
}
