using System.Globalization;
using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>FHIR Observation → <see cref="LabObservation"/>.</summary>
internal static class FhirObservationMapper
{
    public static LabObservation? Map(FhirSource source, FhirIssues issues)
    {
        var obs = (Observation)source.Resource;
        var path = source.Path;
        var offset = issues.Options.DefaultOffset;
        var status = FhirValues.Required(FhirValues.Code(obs.StatusElement), issues, path + ".status");
        (CodedValue? Primary, CodedValue? Alternate) code = obs.Code is { } cc ? FhirValues.ReadConcept(cc, CodeSystems.Loinc) : (null, null);
        if (code.Primary?.Code is null)
        {
            issues.Error("required", path + ".code.coding", "an Observation needs a coded code (LOINC preferred)");
        }

        var values = new List<ObservationValue>();
        UnitOfMeasure? unit = null;
        string? valueType = null;
        switch (obs.Value)
        {
            case Quantity q:
                valueType = "Quantity";
                var comparator = FhirValues.Code(q.ComparatorElement);
                if (FhirValues.Decimal(q.ValueElement) is { } n)
                {
                    var raw = n.ToString(CultureInfo.InvariantCulture);
                    values.Add(comparator is null
                        ? ObservationValue.OfNumber(n, raw)
                        : ObservationValue.OfStructured(new StructuredNumeric(comparator, n, null, null), comparator + raw));
                }

                var unitCode = FhirValues.Text(q.CodeElement);
                var unitText = FhirValues.Text(q.UnitElement);
                if (unitCode is not null || unitText is not null)
                {
                    unit = new UnitOfMeasure(unitCode, unitText, CodeSystems.Normalise(FhirValues.Text(q.SystemElement)));
                }

                break;
            case FhirString s when FhirValues.Text(s) is { } text:
                valueType = "string";
                values.Add(ObservationValue.OfText(text));
                break;
            case CodeableConcept concept:
                valueType = "CodeableConcept";
                if (FhirValues.Concept(concept) is { } coded)
                {
                    values.Add(ObservationValue.OfCoded(coded));
                }

                break;
            case Integer i when FhirValues.Integer(i) is { } integer:
                valueType = "integer";
                values.Add(ObservationValue.OfNumber(decimal.Parse(integer, CultureInfo.InvariantCulture), integer));
                break;
            case FhirBoolean b when b.JsonValue is bool flag:
                valueType = "boolean";
                values.Add(ObservationValue.OfText(flag ? "true" : "false"));
                break;
            case FhirDateTime dt when FhirValues.Text(dt) is { } text:
                valueType = "dateTime";
                values.Add(ObservationValue.OfText(text));
                break;
            case Time t when FhirValues.Text(t) is { } text:
                valueType = "time";
                values.Add(ObservationValue.OfText(text));
                break;
            case Hl7.Fhir.Model.Range or Ratio or SampledData or Period or Hl7.Fhir.Model.Attachment:
                issues.Error("not-supported", path + ".value", $"value{obs.Value.TypeName} is not supported for laboratory results");
                break;
            default:
                break;
        }

        var interpretation = obs.Interpretation
            .Where(i => i is not null)
            .Select(i => FhirValues.Concept(i))
            .Select(c => c?.Code ?? c?.Text)
            .OfType<string>()
            .ToArray();

        ReferenceRange? range = null;
        if (obs.ReferenceRange.FirstOrDefault() is { } rr)
        {
            var low = FhirValues.Decimal(rr.Low?.ValueElement);
            var high = FhirValues.Decimal(rr.High?.ValueElement);
            var text = FhirValues.Text(rr.TextElement);
            if (low is not null || high is not null || text is not null)
            {
                range = new ReferenceRange(low, high, text);
            }
        }

        var observedAt = obs.Effective switch
        {
            FhirDateTime dt => FhirValues.Moment(dt, offset),
            Instant instant => FhirValues.Moment(instant, offset),
            Period period => FhirValues.Moment(period.StartElement, offset),
            _ => null,
        };
        var comments = obs.Note.Where(n => n is not null).Select(n => FhirValues.Text(n.TextElement)).OfType<string>().ToArray();

        if (code.Primary is null)
        {
            return null;
        }

        return new LabObservation(
            valueType,
            code.Primary,
            code.Alternate,
            values,
            unit,
            range,
            interpretation,
            status,
            observedAt,
            FhirValues.Moment(obs.IssuedElement, offset),
            comments,
            FhirValues.Id(obs));
    }
}
