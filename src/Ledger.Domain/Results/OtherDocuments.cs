using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Results;

/// <summary>Imaging and functional diagnostics modalities (DICOM-style codes).</summary>
public enum Modality
{
    XR,
    US,
    MR,
    CT,
    MG,
    NM,
    PT,
    ES,
    ECG,
    Other,
}

public enum AttachmentContentType
{
    Pdf,
    Jpeg,
    Png,
    Dicom,
}

/// <summary>A file that belongs to a document, referenced by its SHA-256 content hash (the bytes are stored elsewhere).</summary>
public sealed record Attachment(ContentHash Sha256, AttachmentContentType ContentType, long SizeBytes, string? FileName);

/// <summary>An instrumental study: X-ray, ultrasound, MRI, CT and the like.</summary>
public sealed record InstrumentalStudy(
    Modality Modality,
    string BodySite,
    Instant PerformedAt,
    string Protocol,
    string Conclusion,
    string? Recommendation,
    string Specialist,
    IReadOnlyList<Attachment> Attachments) : ResultContent;

/// <summary>A medicine prescribed at a visit.</summary>
public sealed record PrescribedMedicine(string Name, string? Dosage, string? Regimen);

/// <summary>The protocol of a doctor's visit.</summary>
public sealed record VisitProtocol(
    Instant VisitedAt,
    string Doctor,
    string Specialty,
    IReadOnlyList<string> Procedures,
    IReadOnlyList<string> PrescribedStudies,
    IReadOnlyList<PrescribedMedicine> PrescribedMedicines,
    string? Recommendations) : ResultContent;

/// <summary>A vaccination; the date is a clinical date without a time.</summary>
public sealed record Vaccination(
    LocalDate Date,
    string Vaccine,
    string? Series,
    string? Manufacturer,
    int DoseNumber,
    OrganizationId Organization) : ResultContent;
