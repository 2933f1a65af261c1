using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Results;

/// <summary>The kinds of delivered document.</summary>
public enum DocumentType
{
    LabReport,
    InstrumentalStudy,
    VisitProtocol,
    Vaccination,
}

/// <summary>The content of a delivered document; a correction carries a whole new content of the same type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "documentType")]
[JsonDerivedType(typeof(LabReport), "labReport")]
[JsonDerivedType(typeof(InstrumentalStudy), "instrumentalStudy")]
[JsonDerivedType(typeof(VisitProtocol), "visitProtocol")]
[JsonDerivedType(typeof(Vaccination), "vaccination")]
public abstract record ResultContent
{
    public DocumentType GetDocumentType() => this switch
    {
        LabReport => DocumentType.LabReport,
        InstrumentalStudy => DocumentType.InstrumentalStudy,
        VisitProtocol => DocumentType.VisitProtocol,
        Vaccination => DocumentType.Vaccination,
        _ => throw new InvalidOperationException($"Unknown result content {GetType().Name}."),
    };
}

/// <summary>A laboratory report: an order, a specimen, and panels of observations.</summary>
public sealed record LabReport(
    string OrderNumber,
    string? SpecimenNumber,
    Instant CollectedAt,
    Instant IssuedAt,
    OrganizationId Performer,
    string? ResponsibleSpecialist,
    IReadOnlyList<LabPanel> Panels,
    string? Comment) : ResultContent;

/// <summary>A group of observations ordered together (e.g. a complete blood count).</summary>
public sealed record LabPanel(ObservationCode? Code, string Name, IReadOnlyList<LabObservation> Observations);

/// <summary>
/// One measured or described analyte. <see cref="Value"/> is a decimal with its UCUM <see cref="Unit"/>;
/// <see cref="TextValue"/> holds a non-numeric result ("negative", "not detected").
/// </summary>
public sealed record LabObservation(
    ObservationCode Code,
    string Name,
    decimal? Value,
    string? TextValue,
    UcumUnit? Unit,
    ReferenceRange? ReferenceRange,
    AbnormalFlag? Flag,
    ObservationStatus Status,
    string? Comment)
{
    /// <summary>
    /// Files the laboratory sent as the observation's value (HL7 OBX ED); null when none, and then not written, so the
    /// stored JSON of an observation without files is what it was before the field existed (an additive field: v1 stays).
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Attachment>? Attachments { get; init; }
}

/// <summary>A reference range as the laboratory sent it.</summary>
public sealed record ReferenceRange(decimal? Low, decimal? High, string? Text);

public enum ObservationStatus
{
    Registered,
    Preliminary,
    Final,
    Amended,
    Corrected,
    Cancelled,
    EnteredInError,
}

/// <summary>
/// The code of an observation: a LOINC code (system <see cref="LoincSystem"/>) or a laboratory's local code with the
/// identifier of its coding system.
/// </summary>
public sealed record ObservationCode
{
    public const string LoincSystem = "http://loinc.org";

    [JsonConstructor]
    public ObservationCode(string system, string code)
    {
        if (string.IsNullOrWhiteSpace(system))
        {
            throw new DomainValidationException("code.system", "coding system is empty");
        }

        if (string.IsNullOrWhiteSpace(code))
        {
            throw new DomainValidationException("code.code", "code is empty");
        }

        if (system == LoincSystem && !LoincCode.TryParse(code, out _, out var reason))
        {
            throw new DomainValidationException("code.code", reason);
        }

        System = system.Trim();
        Code = code.Trim();
    }

    public string System { get; }

    public string Code { get; }

    public static ObservationCode Loinc(LoincCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return new ObservationCode(LoincSystem, code.Value);
    }

    public static ObservationCode Local(string system, string code) => new(system, code);

    /// <summary>The LOINC code when this is one, otherwise null.</summary>
    public LoincCode? ToLoinc() => System == LoincSystem ? LoincCode.Parse(Code) : null;
}
