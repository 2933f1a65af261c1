using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Results;

/// <summary>A command on one result stream.</summary>
public abstract record ResultCommand;

/// <summary>
/// Record a delivered laboratory report. A redelivery with the same delivery id changes nothing. The release (absent:
/// preliminary) gives the status the document starts with (<see cref="ResultRelease.StatusOf"/>).
/// </summary>
public sealed record RecordLabResult(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    LabReport Report,
    ResultRelease? Release = null) : ResultCommand;

public sealed record RecordInstrumentalStudy(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    InstrumentalStudy Study,
    ResultRelease? Release = null) : ResultCommand;

public sealed record RecordVisitProtocol(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    VisitProtocol Protocol,
    ResultRelease? Release = null) : ResultCommand;

public sealed record RecordVaccination(
    DocumentId DocumentId,
    PatientRef Patient,
    OrganizationId Sender,
    string DeliveryId,
    Vaccination Vaccination,
    ResultRelease? Release = null) : ResultCommand;

/// <summary>
/// Replace the content of a document with a whole new version of the same document type. With a release, the status
/// follows the same rule as at arrival, for the new content (it may go back: an unsigned correction of a confirmed
/// document is only ready); without one the status stays.
/// </summary>
public sealed record CorrectResult(
    DocumentId DocumentId,
    OrganizationId Sender,
    string DeliveryId,
    ResultContent Content,
    string Reason,
    ResultRelease? Release = null) : ResultCommand;

/// <summary>Move the document's status forward.</summary>
public sealed record ChangeResultStatus(DocumentId DocumentId, ResultStatus To) : ResultCommand;

/// <summary>Attach a result that arrived for an identifier digest to the patient it belongs to.</summary>
public sealed record ResolveResultPatient(DocumentId DocumentId, PatientId PatientId) : ResultCommand;
