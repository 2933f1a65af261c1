using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Immunization → vaccination; Composition → visit protocol.</summary>
internal static class FhirClinicalMappers
{
    public static VaccinationDocument Vaccination(FhirSource source, FhirReferences index, FhirIssues issues)
    {
        var imm = (Immunization)source.Resource;
        var path = source.Path;
        var offset = issues.Options.DefaultOffset;
        var status = FhirValues.Required(FhirValues.Code(imm.StatusElement), issues, path + ".status");
        FhirValues.Required(imm.VaccineCode, issues, path + ".vaccineCode");

        var (occurredAt, occurrenceText) = imm.Occurrence switch
        {
            FhirDateTime dt => (FhirValues.Moment(dt, offset), (string?)null),
            FhirString s => (null, FhirValues.Text(s)),
            _ => (null, null),
        };
        if (imm.Occurrence is null)
        {
            issues.Error("required", path + ".occurrence", "occurrenceDateTime or occurrenceString is required");
        }

        var dose = imm.ProtocolApplied
            .Where(p => p is not null)
            .Select(p => p.DoseNumber switch
            {
                PositiveInt n => FhirValues.Integer(n),
                FhirString s => FhirValues.Text(s),
                _ => null,
            })
            .FirstOrDefault();
        return new VaccinationDocument(
            FhirValues.Id(imm),
            FhirValues.Reference(imm.Patient),
            index.PatientIdentifiers(imm.Patient, source),
            status,
            occurredAt,
            occurrenceText,
            FhirValues.Concept(imm.VaccineCode),
            FhirValues.Text(imm.VaccineCode?.TextElement),
            FhirValues.Text(imm.LotNumberElement),
            FhirValues.Party(imm.Manufacturer),
            dose,
            imm.Performer.Where(p => p is not null).Select(p => FhirValues.Party(p.Actor)).OfType<ResponsibleParty>().ToArray());
    }

    /// <summary>
    /// A visit protocol (приём/осмотр) is sent as a FHIR Composition: it is the R4 resource for a clinical document
    /// with a type, date, author(s) and titled narrative sections, which is what a visit protocol is. Section text is
    /// kept as the narrative XHTML (<c>section.text.div</c>) exactly as sent.
    /// </summary>
    public static VisitProtocolDocument VisitProtocol(FhirSource source, FhirReferences index, FhirIssues issues)
    {
        var comp = (Composition)source.Resource;
        var path = source.Path;
        FhirValues.Required(comp.Type, issues, path + ".type");
        var date = FhirValues.Moment(comp.DateElement, issues.Options.DefaultOffset);
        if (comp.DateElement is null)
        {
            issues.Error("required", path + ".date", "is required");
        }

        var authors = comp.Author.Select(FhirValues.Party).OfType<ResponsibleParty>().ToArray();
        if (authors.Length == 0)
        {
            issues.Error("required", path + ".author", "at least one author is required");
        }

        var sections = comp.Section
            .Where(s => s is not null)
            .Select(s => new VisitProtocolSection(FhirValues.Text(s.TitleElement), FhirValues.Concept(s.Code), s.Text?.Div is { Length: > 0 } div ? div : null))
            .ToArray();
        return new VisitProtocolDocument(
            FhirValues.Id(comp),
            FhirValues.Reference(comp.Subject),
            index.PatientIdentifiers(comp.Subject, source),
            FhirValues.Required(FhirValues.Code(comp.StatusElement), issues, path + ".status"),
            FhirValues.Concept(comp.Type),
            FhirValues.Text(comp.TitleElement),
            date,
            authors,
            sections);
    }
}
