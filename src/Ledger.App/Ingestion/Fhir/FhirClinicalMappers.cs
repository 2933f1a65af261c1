using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Immunization → vaccination; Composition → visit protocol.</summary>
internal static class FhirClinicalMappers
{
    public static VaccinationDocument Vaccination(FhirNode imm, FhirResourceIndex index)
    {
        var status = imm.RequiredString("status");
        var vaccine = imm.Object("vaccineCode");
        if (vaccine is null)
        {
            imm.Issues.Error("required", imm.Path + ".vaccineCode", "is required");
        }

        var occurredAt = imm.DateTime("occurrenceDateTime");
        var occurrenceText = imm.String("occurrenceString");
        if (occurredAt is null && occurrenceText is null && imm.Child("occurrenceDateTime") is null)
        {
            imm.Issues.Error("required", imm.Path + ".occurrence[x]", "occurrenceDateTime or occurrenceString is required");
        }

        var dose = imm.Array("protocolApplied").Select(p => p.IntegerText("doseNumberPositiveInt") ?? p.String("doseNumberString")).FirstOrDefault();
        var patient = imm.Object("patient");
        return new VaccinationDocument(
            imm.String("id"),
            patient?.String("reference"),
            index.PatientIdentifiers(patient, imm),
            status,
            occurredAt,
            occurrenceText,
            vaccine is { } v ? FhirNode.ReadConcept(v, null).Primary : null,
            vaccine?.String("text"),
            imm.String("lotNumber"),
            imm.Party("manufacturer"),
            dose,
            imm.Array("performer").Select(p => p.Object("actor")).OfType<FhirNode>().Select(FhirNode.ReadParty).OfType<ResponsibleParty>().ToArray());
    }

    /// <summary>
    /// A visit protocol (приём/осмотр) is sent as a FHIR Composition: it is the R4 resource for a clinical document
    /// with a type, date, author(s) and titled narrative sections, which is what a visit protocol is. Section text is
    /// kept as the narrative XHTML (<c>section.text.div</c>) exactly as sent.
    /// </summary>
    public static VisitProtocolDocument VisitProtocol(FhirNode comp, FhirResourceIndex index)
    {
        var type = comp.Object("type");
        if (type is null)
        {
            comp.Issues.Error("required", comp.Path + ".type", "is required");
        }

        var date = comp.DateTime("date");
        if (comp.Child("date") is null)
        {
            comp.Issues.Error("required", comp.Path + ".date", "is required");
        }

        var authors = comp.Array("author").Select(FhirNode.ReadParty).OfType<ResponsibleParty>().ToArray();
        if (authors.Length == 0)
        {
            comp.Issues.Error("required", comp.Path + ".author", "at least one author is required");
        }

        var sections = comp.Array("section")
            .Select(s => new VisitProtocolSection(s.String("title"), s.Concept("code"), s.Object("text")?.String("div")))
            .ToArray();
        var subject = comp.Object("subject");
        return new VisitProtocolDocument(
            comp.String("id"),
            subject?.String("reference"),
            index.PatientIdentifiers(subject, comp),
            comp.RequiredString("status"),
            type is { } t ? FhirNode.ReadConcept(t, null).Primary : null,
            comp.String("title"),
            date,
            authors,
            sections);
    }
}
