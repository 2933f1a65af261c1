using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Results;
using NodaTime;
using Instant = NodaTime.Instant;
using DomainStatus = Ledger.Domain.Results.ObservationStatus;
using ObservationStatus = Hl7.Fhir.Model.ObservationStatus;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// A lab observation as a FHIR Observation: the code (LOINC or the lab's own system) and the value with its UCUM unit
/// as delivered, the lab's flag as <c>interpretation</c> (v3-ObservationInterpretation for the HL7 table 0078 codes; any
/// other flag as text), the reference range, and <c>status=corrected</c> for a final value of a corrected document.
/// </summary>
public static class ObservationMapper
{
    public const string InterpretationSystem = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
    public const string CategorySystem = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string UcumSystem = "http://unitsofmeasure.org";

    /// <summary>The id: the document id and the observation's 1-based position in the report.</summary>
    public static string Id(Guid documentId, int seq) => documentId.ToString("D") + "-" + seq.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static (Guid Document, int Seq)? ParseId(string id) =>
        FhirDocuments.DocumentIdOf(id) is { } document && id.Length > 37
        && int.TryParse(id[37..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq) && seq >= 1
            ? (document, seq)
            : null;

    public static Observation Map(
        FhirReader reader, Guid documentId, int seq, LabObservation o, Instant collected, Instant issued, ResourceReference performer, int version)
    {
        ArgumentNullException.ThrowIfNull(o);
        var observation = new Observation
        {
            Id = Id(documentId, seq),
            Meta = new Meta { VersionId = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            Status = Status(o.Status, version),
            Category = [new CodeableConcept(CategorySystem, "laboratory", "Laboratory")],
            Code = new CodeableConcept(o.Code.System, o.Code.Code, o.Name) { Text = o.Name },
            Subject = FhirDocuments.PatientReference(reader),
            Effective = new FhirDateTime(FhirDocuments.At(collected)),
            Issued = FhirDocuments.At(issued),
            Performer = [performer],
        };
        if (o.Value is { } value)
        {
            observation.Value = Quantity(value, o.Unit);
        }
        else if (!string.IsNullOrWhiteSpace(o.TextValue))
        {
            observation.Value = new FhirString(o.TextValue);
        }
        else
        {
            observation.DataAbsentReason = new CodeableConcept("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed");
        }

        if (o.Flag is { } flag)
        {
            observation.Interpretation = [Interpretation(flag)];
        }

        if (o.ReferenceRange is { } range && (range.Low is not null || range.High is not null || !string.IsNullOrWhiteSpace(range.Text)))
        {
            observation.ReferenceRange =
            [
                new Observation.ReferenceRangeComponent
                {
                    Low = range.Low is { } low ? Quantity(low, o.Unit) : null,
                    High = range.High is { } high ? Quantity(high, o.Unit) : null,
                    Text = string.IsNullOrWhiteSpace(range.Text) ? null : range.Text,
                },
            ];
        }

        if (!string.IsNullOrWhiteSpace(o.Comment))
        {
            observation.Note = [new Annotation { Text = new Markdown(o.Comment) }];
        }

        return observation;
    }

    /// <summary>The lab's status; a final value of a corrected document (a version after the first) is <c>corrected</c>.</summary>
    public static ObservationStatus Status(DomainStatus status, int version) => status switch
    {
        DomainStatus.Registered => ObservationStatus.Registered,
        DomainStatus.Preliminary => ObservationStatus.Preliminary,
        DomainStatus.Final => version > 1 ? ObservationStatus.Corrected : ObservationStatus.Final,
        DomainStatus.Amended => ObservationStatus.Amended,
        DomainStatus.Corrected => ObservationStatus.Corrected,
        DomainStatus.Cancelled => ObservationStatus.Cancelled,
        DomainStatus.EnteredInError => ObservationStatus.EnteredInError,
        _ => ObservationStatus.Unknown,
    };

    public static CodeableConcept Interpretation(AbnormalFlag flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        var display = flag.Meaning switch
        {
            FlagMeaning.Normal => "Normal",
            FlagMeaning.Low => "Low",
            FlagMeaning.High => "High",
            FlagMeaning.CriticallyLow => "Critical low",
            FlagMeaning.CriticallyHigh => "Critical high",
            FlagMeaning.Abnormal => "Abnormal",
            FlagMeaning.CriticallyAbnormal => "Critical abnormal",
            _ => null,
        };
        return display is null ? new CodeableConcept { Text = flag.Code } : new CodeableConcept(InterpretationSystem, flag.Code, display) { Text = flag.Code };
    }

    private static Quantity Quantity(decimal value, Ledger.Domain.Identifiers.UcumUnit? unit) =>
        unit is null ? new Quantity { Value = value } : new Quantity { Value = value, Unit = unit.Code, System = UcumSystem, Code = unit.Code };
}
