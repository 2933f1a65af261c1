using System.Globalization;
using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;
using NodaTime;
using FhirTypes = Hl7.Fhir.ElementModel.Types;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>A resource of the delivery and its FHIRPath in the document (<c>Bundle.entry[2].resource</c>).</summary>
internal sealed record FhirSource(Resource Resource, string Path);

/// <summary>
/// Reads values from Firely's POCOs the way the ledger always read them: a blank string is absent; a value the
/// parser could not read (already reported) is absent; dates follow FHIR (a date without time is the start of
/// that day at <see cref="FhirDeliveryOptions.DefaultOffset"/>).
/// </summary>
internal static class FhirValues
{
    /// <summary>The text of a primitive as delivered; null when absent, blank or not readable.</summary>
    public static string? Text(PrimitiveType? primitive) => primitive?.JsonValue switch
    {
        string s when !string.IsNullOrWhiteSpace(s) => s,
        _ => null,
    };

    /// <summary>A decimal as delivered (its scale kept: 6.30 stays 6.30); null when absent or not a decimal.</summary>
    public static decimal? Decimal(FhirDecimal? value) => value?.JsonValue is decimal d ? d : null;

    /// <summary>An integer as text; null when absent or not an integer.</summary>
    public static string? Integer(PrimitiveType? value) => value?.JsonValue switch
    {
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    /// <summary>A FHIR date, dateTime or instant as an instant; null when absent or not valid (the parser reported it).</summary>
    public static NodaTime.Instant? Moment(PrimitiveType? value, Offset defaultOffset) =>
        Text(value) is { } text && FhirTypes.DateTime.TryParse(text, out var parsed)
            ? NodaTime.Instant.FromDateTimeOffset(parsed.ToDateTimeOffset(defaultOffset.ToTimeSpan()))
            : null;

    /// <summary>The calendar date of a FHIR date or dateTime, in the offset it was written with; null when absent or invalid.</summary>
    public static LocalDate? Day(PrimitiveType? value, Offset defaultOffset) =>
        Text(value) is { } text && FhirTypes.DateTime.TryParse(text, out var parsed)
            ? LocalDate.FromDateTime(parsed.ToDateTimeOffset(defaultOffset.ToTimeSpan()).DateTime)
            : null;

    /// <summary>First coding of a CodeableConcept, preferring <paramref name="preferredSystem"/>; the text when no coding.</summary>
    public static CodedValue? Concept(CodeableConcept? concept, string? preferredSystem = null) =>
        concept is null ? null : ReadConcept(concept, preferredSystem).Primary;

    public static (CodedValue? Primary, CodedValue? Alternate) ReadConcept(CodeableConcept concept, string? preferredSystem)
    {
        var codings = concept.Coding
            .Where(c => c is not null)
            .Select(c => new CodedValue(Text(c.CodeElement), Text(c.DisplayElement), CodeSystems.Normalise(Text(c.SystemElement))))
            .Where(c => c.Code is not null || c.Text is not null)
            .ToList();
        var text = Text(concept.TextElement);
        if (codings.Count == 0)
        {
            return (text is null ? null : new CodedValue(null, text, null), null);
        }

        var primary = codings.FirstOrDefault(c => preferredSystem is not null && c.System == preferredSystem) ?? codings[0];
        if (primary.Text is null && text is not null)
        {
            primary = primary with { Text = text };
        }

        var alternate = codings.FirstOrDefault(c => !ReferenceEquals(c, primary) && c != primary);
        return (primary, alternate);
    }

    /// <summary>A reference as a responsible party (its reference and display); null when it has neither.</summary>
    public static ResponsibleParty? Party(ResourceReference? reference)
    {
        if (reference is null)
        {
            return null;
        }

        var id = Text(reference.ReferenceElement);
        var display = Text(reference.DisplayElement);
        return id is null && display is null ? null : new ResponsibleParty(id, null, null, display);
    }

    /// <summary>The <c>reference</c> of a reference.</summary>
    public static string? Reference(ResourceReference? reference) => Text(reference?.ReferenceElement);

    /// <summary>The resource's logical id.</summary>
    public static string? Id(Resource resource) => Text(resource.IdElement);

    /// <summary>The code of a coded element, even one outside its value set (kept as delivered).</summary>
    public static string? Code(PrimitiveType? code) => Text(code);

    /// <summary>An issue <c>required</c> at <paramref name="path"/> when <paramref name="value"/> is null.</summary>
    public static T? Required<T>(T? value, FhirIssues issues, string path, string message = "is required")
        where T : class
    {
        if (value is null)
        {
            issues.Error("required", path, message);
        }

        return value;
    }
}
