using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Results;

/// <summary>What every event of a result stream carries: the document, whose it is and who sent it.</summary>
public interface IResultEvent
{
    DocumentId DocumentId { get; }

    PatientRef Patient { get; }

    OrganizationId Sender { get; }
}

/// <summary>A laboratory report was delivered.</summary>
public sealed record LabResultArrived(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    LabReport Report) : IResultEvent;

/// <summary>An instrumental study (imaging, functional diagnostics) was delivered.</summary>
public sealed record InstrumentalStudyArrived(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    InstrumentalStudy Study) : IResultEvent;

/// <summary>The protocol of a visit to a doctor was recorded.</summary>
public sealed record VisitProtocolRecorded(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    VisitProtocol Protocol) : IResultEvent;

/// <summary>A vaccination was recorded.</summary>
public sealed record VaccinationRecorded(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    Vaccination Vaccination) : IResultEvent;

/// <summary>The sender replaced the content of the document; earlier versions stay readable.</summary>
public sealed record ResultCorrected(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    ResultContent Content,
    string Reason) : IResultEvent;

/// <summary>
/// The document's status changed: pending → ready → confirmed, at arrival (in the same append, for a document released
/// as final), by a correction (which may also move it back) or on its own.
/// </summary>
public sealed record ResultStatusChanged(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    ResultStatus From,
    ResultStatus To) : IResultEvent;

/// <summary>A result that arrived for an identifier digest was matched to a patient's cabinet.</summary>
public sealed record ResultPatientResolved(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string IdentifierDigest) : IResultEvent;
