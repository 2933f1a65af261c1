using Ledger.App.Ingestion.Parsed;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using NodaTime;
using DomainObservation = Ledger.Domain.Results.LabObservation;
using DomainPanel = Ledger.Domain.Results.LabPanel;
using DomainRange = Ledger.Domain.Results.ReferenceRange;

namespace Ledger.App.Ingestion;

/// <summary>
/// Maps a parsed <see cref="LabResultDocument"/> to the domain's <see cref="LabReport"/> (docs/ingestion.md,
/// "Mapping"). Errors name the HL7 field (<c>OBX-3</c>) or the FHIRPath (<c>Observation.code</c>).
/// </summary>
public static class LabReportMapping
{
    /// <summary>Code system of codes sent without one.</summary>
    public const string LocalCodeSystem = "urn:ledger:local-code";

    public static LabReport ToReport(LabResultDocument document, Guid sender, IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(options);
        var hl7 = document.Source == IngestSource.Hl7v2;
        var observations = document.Panels.Sum(p => p.Observations.Count);
        if (observations > options.MaxObservations)
        {
            throw new IngestionError(IngestionErrorKind.TooLarge, hl7 ? "OBX" : "Observation", $"{observations} observations, at most {options.MaxObservations} allowed", "OBX");
        }

        var first = document.Panels[0];
        var order = document.Panels.Select(p => p.PlacerOrderNumber ?? p.FillerOrderNumber).FirstOrDefault(o => !string.IsNullOrWhiteSpace(o))
            ?? document.SourceId;
        if (string.IsNullOrWhiteSpace(order))
        {
            throw new IngestionError(IngestionErrorKind.Invalid, hl7 ? "OBR-2" : "DiagnosticReport.identifier", "no order number (placer or filler)", "OBR", 2);
        }

        var allObservations = document.Panels.SelectMany(p => p.Observations).ToList();
        var collected = Min(document.Panels.Select(p => p.CollectedAt).Concat(allObservations.Select(o => o.ObservedAt)));
        var issued = Max(document.Panels.Select(p => p.IssuedAt).Concat(allObservations.Select(o => o.IssuedAt)));
        if (collected is null && issued is null)
        {
            throw new IngestionError(IngestionErrorKind.Invalid, hl7 ? "OBR-7" : "Observation.effective[x]", "no collection or result time", "OBR", 7);
        }

        // An order without a result yet (e.g. a parent order whose results follow in other orders) is left out;
        // a document needs at least one order with a result.
        var resulted = document.Panels.Where(p => p.Observations.Any(IsResulted)).ToList();
        if (resulted.Count == 0)
        {
            throw new IngestionError(IngestionErrorKind.Invalid, hl7 ? "OBX" : "DiagnosticReport.result", "no order of the message has an observation with a result", "OBX");
        }

        var panels = resulted.Select(p => Panel(p, hl7, options)).ToList();
        var specialist = first.ResponsibleSpecialist is { } party
            ? party.Display ?? string.Join(' ', new[] { party.Family, party.Given }.Where(s => !string.IsNullOrWhiteSpace(s)))
            : null;
        var comments = document.Comments.Concat(document.Panels.SelectMany(p => p.Comments)).Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        return new LabReport(
            order.Trim(),
            null,
            (collected ?? issued)!.Value,
            (issued ?? collected)!.Value,
            new OrganizationId(sender),
            string.IsNullOrWhiteSpace(specialist) ? null : specialist,
            panels,
            comments.Count == 0 ? null : string.Join("\n", comments));
    }

    /// <summary>
    /// How the sender released the report (docs/ingestion-mapping.md, "Result status"). Final when every order kept is
    /// final or a correction (OBR-25 F or C; absent, the observations decide; FHIR final, corrected, amended, appended);
    /// signed when every order kept was signed as a whole (OBR-32 with a time, FHIR <c>resultsInterpreter</c>) or each of
    /// its observations kept was (OBX-16 with OBX-19). Whether an observation is still preliminary is the domain's rule
    /// (<see cref="ResultRelease.StatusOf"/>).
    /// </summary>
    public static ResultRelease Release(LabResultDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var kept = document.Panels.Where(p => p.Observations.Any(IsResulted)).ToList();
        var final = kept.All(p => p.Status.Kind is ReportStatusKind.Final or ReportStatusKind.Corrected
            || p.Status is { Kind: ReportStatusKind.Other, Code: null });
        var signed = kept.All(p => p.Signature is not null || p.Observations.Where(IsResulted).All(o => o.Signature is not null));
        return new ResultRelease(final, signed);
    }

    private static DomainPanel Panel(Parsed.LabPanel panel, bool hl7, IngestionOptions options)
    {
        var code = panel.Code is { Code: { Length: > 0 } c } ? Code(panel.Code.System, c, hl7 ? "OBR-4" : "DiagnosticReport.code", "OBR", 4) : null;
        var name = panel.Code?.Text ?? panel.Code?.Code ?? string.Empty;
        // An observation without a value is not a result: it is left out.
        var resulted = panel.Observations.Where(IsResulted).ToList();
        return new DomainPanel(code, name, resulted.Select(o => Observation(o, hl7, options)).ToList());
    }

    /// <summary>
    /// False for an observation sent without a value (not resulted yet, or only a placeholder); a cancelled or
    /// entered-in-error observation is kept, as a withdrawn one.
    /// </summary>
    public static bool IsResulted(Parsed.LabObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Values.Any(v => !string.IsNullOrWhiteSpace(v.Text) || v.Number is not null || v.Attachment is not null)
            || Status(observation.ResultStatus) is ObservationStatus.Cancelled or ObservationStatus.EnteredInError;
    }

    private static DomainObservation Observation(Parsed.LabObservation o, bool hl7, IngestionOptions options)
    {
        if (string.IsNullOrWhiteSpace(o.Code.Code))
        {
            throw new IngestionError(IngestionErrorKind.Invalid, hl7 ? "OBX-3" : "Observation.code", "the observation has no code", "OBX", 3);
        }

        var code = Code(o.Code.System, o.Code.Code, hl7 ? "OBX-3" : "Observation.code", "OBX", 3);
        var attachments = new List<Ledger.Domain.Results.Attachment>();
        foreach (var attachment in o.Values.Select(v => v.Attachment).OfType<Parsed.Attachment>())
        {
            if (attachment.Data.Length > options.MaxAttachmentBytes)
            {
                throw new IngestionError(IngestionErrorKind.TooLarge, hl7 ? "OBX-5" : "Observation.value[x]", $"attachment of {attachment.Data.Length} bytes, at most {options.MaxAttachmentBytes} allowed", "OBX", 5);
            }

            if (AttachmentSniffer.Sniff(attachment.Data.Span) is null)
            {
                throw new IngestionError(IngestionErrorKind.Invalid, hl7 ? "OBX-5" : "Observation.value[x]", "attachment content is not PDF, PNG, JPEG or DICOM", "OBX", 5);
            }

            attachments.Add(new Ledger.Domain.Results.Attachment(
                ContentHash.Parse(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(attachment.Data.Span))),
                AttachmentSniffer.Sniff(attachment.Data.Span)!.Value,
                attachment.Data.Length,
                attachment.Title));
        }

        decimal? number = o.Values.Count == 1 ? o.Values[0].Number : null;
        var text = o.Values.Count == 0 ? null : string.Join("; ", o.Values.Select(v => v.Kind == ObservationValueKind.Attachment ? "[attachment]" : v.Text).Where(t => !string.IsNullOrEmpty(t)));
        UcumUnit? unit = null;
        var unitText = o.Unit?.Code ?? o.Unit?.Text;
        if (number is not null)
        {
            if (unitText is not null && UcumUnit.TryParse(unitText, out var parsed, out _))
            {
                unit = parsed;
                text = null;
            }
            else
            {
                // A number without a usable unit is kept as the text it was sent as.
                number = null;
                text = unitText is null ? text : $"{text} {unitText}";
            }
        }

        var range = o.ReferenceRange is { } r ? new DomainRange(r.Low, r.High, r.Text) : null;
        var flag = o.AbnormalFlags.Select(f => AbnormalFlag.TryParse(f, out var parsedFlag, out _) ? parsedFlag : null).FirstOrDefault(f => f is not null);
        var comments = o.Comments.Where(c => !string.IsNullOrWhiteSpace(c)).ToList();
        return new DomainObservation(
            code,
            o.Code.Text ?? o.Code.Code!,
            number,
            string.IsNullOrEmpty(text) ? null : text,
            unit,
            range,
            flag,
            Status(o.ResultStatus),
            comments.Count == 0 ? null : string.Join("\n", comments)) { Attachments = attachments.Count == 0 ? null : attachments };
    }

    private static ObservationCode Code(string? system, string code, string field, string segment, int number)
    {
        try
        {
            return new ObservationCode(string.IsNullOrWhiteSpace(system) ? LocalCodeSystem : system, code);
        }
        catch (DomainValidationException e)
        {
            throw new IngestionError(IngestionErrorKind.Invalid, field, e.Reason, segment, number);
        }
    }

    /// <summary>HL7 table 0085 (OBX-11) and FHIR Observation.status to the domain's status; unknown is final.</summary>
    public static ObservationStatus Status(string? status) => status?.Trim().ToUpperInvariant() switch
    {
        "P" or "PRELIMINARY" => ObservationStatus.Preliminary,
        "C" or "CORRECTED" => ObservationStatus.Corrected,
        "A" or "AMENDED" => ObservationStatus.Amended,
        "X" or "D" or "CANCELLED" => ObservationStatus.Cancelled,
        "W" or "ENTERED-IN-ERROR" => ObservationStatus.EnteredInError,
        "I" or "R" or "REGISTERED" => ObservationStatus.Registered,
        _ => ObservationStatus.Final,
    };

    private static Instant? Min(IEnumerable<Instant?> values) => values.Where(v => v is not null).DefaultIfEmpty(null).Min();

    private static Instant? Max(IEnumerable<Instant?> values) => values.Where(v => v is not null).DefaultIfEmpty(null).Max();
}
