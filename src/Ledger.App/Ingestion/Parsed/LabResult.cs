using NodaTime;

namespace Ledger.App.Ingestion.Parsed;

/// <summary>Which wire format a parsed document came from.</summary>
public enum IngestSource
{
    /// <summary>HL7 v2 ER7 (pipe-delimited) message.</summary>
    Hl7v2,

    /// <summary>FHIR R4 JSON resource or Bundle.</summary>
    FhirR4,
}

/// <summary>
/// One laboratory result document: one HL7 ORU^R01 message (all its OBR groups) or one FHIR
/// DiagnosticReport (or a standalone Observation). Format-neutral; codes use the URIs of <see cref="CodeSystems"/>.
/// </summary>
public sealed record LabResultDocument(
    IngestSource Source,
    string? SourceId,
    string? SubjectReference,
    IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers,
    IReadOnlyList<LabPanel> Panels,
    IReadOnlyList<string> Comments);

/// <summary>One ordered panel (HL7 OBR group, FHIR DiagnosticReport) with its observations.</summary>
public sealed record LabPanel(
    string? PlacerOrderNumber,
    string? FillerOrderNumber,
    CodedValue? Code,
    Instant? CollectedAt,
    Instant? IssuedAt,
    ReportStatus Status,
    ResponsibleParty? PrincipalInterpreter,
    ResponsibleParty? OrderingProvider,
    IReadOnlyList<LabObservation> Observations,
    IReadOnlyList<string> Comments,
    string? Conclusion,
    IReadOnlyList<string> UnresolvedResultReferences)
{
    /// <summary>The principal result interpreter when sent, otherwise the ordering provider.</summary>
    public ResponsibleParty? ResponsibleSpecialist => PrincipalInterpreter ?? OrderingProvider;

    /// <summary>
    /// The responsible specialist's sign-off of the whole panel: HL7 OBR-32 naming a person with a time (NDL.2), FHIR
    /// <c>resultsInterpreter</c>. Null when nobody signed the panel as a whole.
    /// </summary>
    public ResultSignature? Signature { get; init; }
}

/// <summary>Who signed a result, and when when the format says (HL7 always does; FHIR gives the report's <c>issued</c>).</summary>
public sealed record ResultSignature(ResponsibleParty By, Instant? At);

/// <summary>Report status as sent (<see cref="Code"/>) and its normalised kind.</summary>
public sealed record ReportStatus(string? Code, ReportStatusKind Kind)
{
    /// <summary>True for a corrected/amended report, which replaces an earlier one.</summary>
    public bool IsCorrection => Kind == ReportStatusKind.Corrected;
}

/// <summary>Normalised report status.</summary>
public enum ReportStatusKind
{
    /// <summary>Status absent or not one of the known values; see <see cref="ReportStatus.Code"/>.</summary>
    Other,

    /// <summary>HL7 F, FHIR final.</summary>
    Final,

    /// <summary>HL7 P, FHIR preliminary/partial.</summary>
    Preliminary,

    /// <summary>HL7 C, FHIR corrected/amended/appended.</summary>
    Corrected,
}

/// <summary>A person (or organisation, for FHIR performers) responsible for a result.</summary>
public sealed record ResponsibleParty(string? Id, string? Family, string? Given, string? Display);

/// <summary>One observation (HL7 OBX, FHIR Observation).</summary>
public sealed record LabObservation(
    string? ValueType,
    CodedValue Code,
    CodedValue? AlternateCode,
    IReadOnlyList<ObservationValue> Values,
    UnitOfMeasure? Unit,
    ReferenceRange? ReferenceRange,
    IReadOnlyList<string> AbnormalFlags,
    string? ResultStatus,
    Instant? ObservedAt,
    Instant? IssuedAt,
    IReadOnlyList<string> Comments,
    string? SourceId)
{
    /// <summary>HL7 OBX-16 (responsible observer) with OBX-19 (time of the analysis); null otherwise.</summary>
    public ResultSignature? Signature { get; init; }
}

/// <summary>A code with its display text and code system (normalised via <see cref="CodeSystems.Normalise"/>).</summary>
public sealed record CodedValue(string? Code, string? Text, string? System)
{
    /// <summary>True when the code system is LOINC.</summary>
    public bool IsLoinc => System == CodeSystems.Loinc;
}

/// <summary>Unit of a numeric result; <see cref="System"/> is UCUM when the sender said so or said nothing.</summary>
public sealed record UnitOfMeasure(string? Code, string? Text, string? System);

/// <summary>
/// Reference range. <see cref="Text"/> is always the range as sent; <see cref="Low"/>/<see cref="High"/> are set
/// only when the text has one of the recognised shapes (see docs/ingestion-mapping.md).
/// </summary>
public sealed record ReferenceRange(decimal? Low, decimal? High, string? Text);

/// <summary>The kind of one observation value.</summary>
public enum ObservationValueKind
{
    /// <summary>Plain decimal number in <see cref="ObservationValue.Number"/>.</summary>
    Numeric,

    /// <summary>Text (also dates/times and unknown types, kept as sent).</summary>
    Text,

    /// <summary>Coded value in <see cref="ObservationValue.Coded"/>.</summary>
    Coded,

    /// <summary>Structured numeric (comparator, ranges, ratios) in <see cref="ObservationValue.Structured"/>.</summary>
    StructuredNumeric,

    /// <summary>Binary attachment in <see cref="ObservationValue.Attachment"/>.</summary>
    Attachment,
}

/// <summary>One value of an observation; exactly the member matching <see cref="Kind"/> is meaningful.</summary>
public sealed record ObservationValue(
    ObservationValueKind Kind,
    string? Text,
    decimal? Number,
    CodedValue? Coded,
    StructuredNumeric? Structured,
    Attachment? Attachment)
{
    /// <summary>A plain number; <paramref name="text"/> is the number as sent.</summary>
    public static ObservationValue OfNumber(decimal number, string text) =>
        new(ObservationValueKind.Numeric, text, number, null, null, null);

    /// <summary>A text value.</summary>
    public static ObservationValue OfText(string text) =>
        new(ObservationValueKind.Text, text, null, null, null, null);

    /// <summary>A coded value.</summary>
    public static ObservationValue OfCoded(CodedValue coded) =>
        new(ObservationValueKind.Coded, coded.Text ?? coded.Code, null, coded, null, null);

    /// <summary>A structured numeric; <see cref="Number"/> is set when it is a plain number (no comparator or =).</summary>
    public static ObservationValue OfStructured(StructuredNumeric sn, string text) =>
        new(ObservationValueKind.StructuredNumeric, text, sn.PlainNumber, null, sn, null);

    /// <summary>A binary attachment.</summary>
    public static ObservationValue OfAttachment(Attachment attachment) =>
        new(ObservationValueKind.Attachment, attachment.Title, null, null, null, attachment);
}

/// <summary>HL7 SN: comparator, number 1, separator/suffix, number 2.</summary>
public sealed record StructuredNumeric(string? Comparator, decimal? Number1, string? SeparatorOrSuffix, decimal? Number2)
{
    /// <summary>The number when the value is a plain number (no comparator other than "=", no second part).</summary>
    public decimal? PlainNumber =>
        (Comparator is null || Comparator == "=") && SeparatorOrSuffix is null && Number2 is null ? Number1 : null;
}

/// <summary>Binary content with its media type; <see cref="Data"/> holds the decoded bytes.</summary>
public sealed record Attachment(string? ContentType, ReadOnlyMemory<byte> Data, string? Title);
