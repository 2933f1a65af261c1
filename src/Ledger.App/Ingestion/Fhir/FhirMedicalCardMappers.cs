using System.Globalization;
using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;
using NodaTime;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Condition and AllergyIntolerance → the patient's medical card. The code is kept as delivered (SNOMED CT, ICD-10 or
/// any other system, the first coding), with the concept's text; statuses are the codes of
/// <c>clinicalStatus</c> / <c>verificationStatus</c> as sent.
/// </summary>
internal static class FhirMedicalCardMappers
{
    public static ConditionDocument Condition(FhirSource source, FhirReferences index, FhirIssues issues)
    {
        var condition = (Condition)source.Resource;
        var offset = issues.Options.DefaultOffset;
        var code = FhirValues.Concept(condition.Code);
        FhirValues.Required(code, issues, source.Path + ".code", "a Condition needs a code or a text");
        var (onset, onsetText) = Onset(condition.Onset, offset);
        return new ConditionDocument(
            FhirValues.Id(condition),
            FhirValues.Reference(condition.Subject),
            index.PatientIdentifiers(condition.Subject, source),
            code,
            FhirValues.Text(condition.Code?.TextElement),
            StatusCode(condition.ClinicalStatus),
            StatusCode(condition.VerificationStatus),
            condition.Category.Select(StatusCode).OfType<string>().FirstOrDefault(),
            onset,
            onsetText,
            FhirValues.Party(condition.Recorder),
            FhirValues.Party(condition.Asserter),
            Note(condition.Note));
    }

    public static AllergyDocument Allergy(FhirSource source, FhirReferences index, FhirIssues issues)
    {
        var allergy = (AllergyIntolerance)source.Resource;
        var offset = issues.Options.DefaultOffset;
        var code = FhirValues.Concept(allergy.Code);
        FhirValues.Required(code, issues, source.Path + ".code", "an AllergyIntolerance needs a code or a text");
        var (onset, onsetText) = Onset(allergy.Onset, offset);
        var categories = allergy.CategoryElement.Select(FhirValues.Code).OfType<string>().ToArray();
        var reactions = allergy.Reaction
            .Where(r => r is not null)
            .SelectMany(r => r.Manifestation)
            .Select(m => FhirValues.Concept(m) is { } c ? c.Text ?? c.Code : null)
            .OfType<string>()
            .ToArray();
        return new AllergyDocument(
            FhirValues.Id(allergy),
            FhirValues.Reference(allergy.Patient),
            index.PatientIdentifiers(allergy.Patient, source),
            code,
            FhirValues.Text(allergy.Code?.TextElement),
            StatusCode(allergy.ClinicalStatus),
            StatusCode(allergy.VerificationStatus),
            FhirValues.Code(allergy.TypeElement),
            categories.Length == 0 ? null : string.Join(",", categories),
            FhirValues.Code(allergy.CriticalityElement),
            onset,
            onsetText,
            FhirValues.Party(allergy.Recorder),
            FhirValues.Party(allergy.Asserter),
            reactions.Length == 0 ? null : string.Join("; ", reactions),
            Note(allergy.Note));
    }

    /// <summary>The first coding's code of a status concept (or its text).</summary>
    private static string? StatusCode(CodeableConcept? concept) => FhirValues.Concept(concept) is { } c ? c.Code ?? c.Text : null;

    private static (LocalDate? Date, string? Text) Onset(DataType? onset, Offset offset) => onset switch
    {
        FhirDateTime dt => (FhirValues.Day(dt, offset), null),
        Hl7.Fhir.Model.Period p => (FhirValues.Day(p.StartElement, offset), null),
        FhirString s => (null, FhirValues.Text(s)),
        Age age when FhirValues.Decimal(age.ValueElement) is { } years =>
            (null, $"{years.ToString(CultureInfo.InvariantCulture)} {FhirValues.Text(age.UnitElement) ?? FhirValues.Text(age.CodeElement) ?? ""}".TrimEnd()),
        _ => (null, null),
    };

    private static string? Note(List<Annotation> notes) =>
        notes.Where(n => n is not null).Select(n => FhirValues.Text(n.TextElement)).OfType<string>().FirstOrDefault();
}
