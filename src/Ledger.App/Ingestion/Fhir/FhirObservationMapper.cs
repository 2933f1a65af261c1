using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>FHIR Observation → <see cref="LabObservation"/>.</summary>
internal static class FhirObservationMapper
{
    public static LabObservation? Map(FhirNode obs)
    {
        var status = obs.RequiredString("status");
        var codeNode = obs.Object("code");
        (CodedValue? Primary, CodedValue? Alternate) code = codeNode is { } cn ? FhirNode.ReadConcept(cn, CodeSystems.Loinc) : (null, null);
        if (code.Primary?.Code is null)
        {
            obs.Issues.Error("required", obs.Path + ".code.coding", "an Observation needs a coded code (LOINC preferred)");
        }

        var values = new List<ObservationValue>();
        UnitOfMeasure? unit = null;
        string? valueType = null;
        if (obs.Object("valueQuantity") is { } q)
        {
            valueType = "Quantity";
            var number = q.Decimal("value");
            var comparator = q.String("comparator");
            var raw = q.Child("value")?.Element.GetRawText();
            if (number is { } n)
            {
                values.Add(comparator is null
                    ? ObservationValue.OfNumber(n, raw!)
                    : ObservationValue.OfStructured(new StructuredNumeric(comparator, n, null, null), comparator + raw));
            }

            var unitCode = q.String("code");
            var unitText = q.String("unit");
            if (unitCode is not null || unitText is not null)
            {
                unit = new UnitOfMeasure(unitCode, unitText, CodeSystems.Normalise(q.String("system")));
            }
        }
        else if (obs.String("valueString") is { } s)
        {
            valueType = "string";
            values.Add(ObservationValue.OfText(s));
        }
        else if (obs.Object("valueCodeableConcept") is { } cc)
        {
            valueType = "CodeableConcept";
            if (FhirNode.ReadConcept(cc, null).Primary is { } coded)
            {
                values.Add(ObservationValue.OfCoded(coded));
            }
        }
        else if (obs.IntegerText("valueInteger") is { } i)
        {
            valueType = "integer";
            values.Add(ObservationValue.OfNumber(decimal.Parse(i, System.Globalization.CultureInfo.InvariantCulture), i));
        }
        else if (obs.Child("valueBoolean") is { } b)
        {
            valueType = "boolean";
            values.Add(ObservationValue.OfText(b.Element.GetRawText()));
        }
        else if ((obs.String("valueDateTime") ?? obs.String("valueTime")) is { } dt)
        {
            valueType = obs.Child("valueDateTime") is null ? "time" : "dateTime";
            values.Add(ObservationValue.OfText(dt));
        }
        else
        {
            foreach (var other in new[] { "valueRange", "valueRatio", "valueSampledData", "valuePeriod", "valueAttachment" })
            {
                if (obs.Child(other) is { } unsupported)
                {
                    obs.Issues.Error("not-supported", unsupported.Path, $"{other} is not supported for laboratory results");
                }
            }
        }

        var interpretation = obs.Array("interpretation")
            .Select(i => FhirNode.ReadConcept(i, null).Primary)
            .Select(c => c?.Code ?? c?.Text)
            .OfType<string>()
            .ToArray();

        ReferenceRange? range = null;
        if (obs.Array("referenceRange").FirstOrDefault() is { Element.ValueKind: System.Text.Json.JsonValueKind.Object } rr)
        {
            var low = rr.Object("low")?.Decimal("value");
            var high = rr.Object("high")?.Decimal("value");
            var text = rr.String("text");
            if (low is not null || high is not null || text is not null)
            {
                range = new ReferenceRange(low, high, text);
            }
        }

        var observedAt = obs.DateTime("effectiveDateTime")
            ?? obs.DateTime("effectiveInstant")
            ?? obs.Object("effectivePeriod")?.DateTime("start");
        var comments = obs.Array("note").Select(n => n.String("text")).OfType<string>().ToArray();

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
            obs.DateTime("issued"),
            comments,
            obs.String("id"));
    }
}
