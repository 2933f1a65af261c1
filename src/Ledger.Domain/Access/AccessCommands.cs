using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Access;

/// <summary>A command on a patient's access stream.</summary>
public abstract record AccessCommand;

public sealed record RecordAccess(
    PatientId PatientId,
    Actor Actor,
    DocumentId? DocumentId,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel,
    AccessOutcome Outcome) : AccessCommand;

public sealed record RecordAccessDenial(
    PatientId PatientId,
    Actor Actor,
    DocumentId? DocumentId,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel,
    string ReasonCode) : AccessCommand;

public sealed record RecordExport(
    PatientId PatientId,
    Actor Actor,
    ExportFormat Format,
    IReadOnlyList<DocumentId> DocumentIds,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel) : AccessCommand;
