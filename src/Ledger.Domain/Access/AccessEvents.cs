using Ledger.Domain.Identifiers;
using NodaTime;

namespace Ledger.Domain.Access;

public enum ActorKind
{
    Patient,
    Doctor,
    Auditor,
    Support,
    System,
}

public enum AccessChannel
{
    Web,
    Api,
    ShareLink,
    Export,
    Notification,
}

public enum AccessOutcome
{
    /// <summary>The content was shown or handed over.</summary>
    Succeeded,

    /// <summary>Only part of the content could be shown (e.g. some documents outside the consent's scope).</summary>
    Partial,

    /// <summary>Access was allowed but the content could not be produced.</summary>
    Failed,
}

public enum ExportFormat
{
    Pdf,
    Fhir,
    Zip,
    Ndjson,
}

/// <summary>Who acted: the kind and the internal id (never a name or a СНИЛС).</summary>
public sealed record Actor(ActorKind Kind, ActorId Id);

/// <summary>An entry of a patient's access stream (<see cref="AccessState.Evolve"/> folds them).</summary>
public interface IAccessEvent
{
}

/// <summary>Someone read the patient's record (or one document of it).</summary>
public sealed record RecordAccessed(
    PatientId PatientId,
    Actor Actor,
    DocumentId? DocumentId,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel,
    AccessOutcome Outcome,
    Instant AccessedAt) : IAccessEvent;

/// <summary>Someone tried to read the record and was refused; <see cref="ReasonCode"/> is stable.</summary>
public sealed record AccessDenied(
    PatientId PatientId,
    Actor Actor,
    DocumentId? DocumentId,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel,
    string ReasonCode,
    Instant AttemptedAt) : IAccessEvent;

/// <summary>Documents of the patient were exported in a format.</summary>
public sealed record ExportPerformed(
    PatientId PatientId,
    Actor Actor,
    ExportFormat Format,
    IReadOnlyList<DocumentId> DocumentIds,
    string Purpose,
    ConsentId? ConsentId,
    AccessChannel Channel,
    Instant ExportedAt) : IAccessEvent;
