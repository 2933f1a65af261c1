using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;

namespace Ledger.Domain.Patients;

public enum Sex
{
    Male,
    Female,
    Unknown,
}

public enum DeliveryChannel
{
    Email,
    Sms,
    Push,
}

public enum DeliveryFrequency
{
    Immediate,
    Daily,
    Weekly,
}

/// <summary>An event of a patient stream (<see cref="PatientState.Evolve"/> folds them).</summary>
public interface IPatientEvent
{
}

/// <summary>A patient opened a cabinet.</summary>
public sealed record PatientRegistered(
    PatientId PatientId,
    FullName Name,
    BirthDate BirthDate,
    Sex Sex,
    Snils Snils,
    Enp? Enp,
    Email? Email,
    PhoneNumber? Phone) : IPatientEvent;

/// <summary>The patient's e-mail and phone were replaced (either may be cleared).</summary>
public sealed record PatientContactsChanged(PatientId PatientId, Email? Email, PhoneNumber? Phone) : IPatientEvent;

/// <summary>The patient's cabinet receives results from this organisation.</summary>
public sealed record PatientOrganizationLinked(PatientId PatientId, OrganizationId OrganizationId) : IPatientEvent;

public sealed record PatientOrganizationUnlinked(PatientId PatientId, OrganizationId OrganizationId) : IPatientEvent;

/// <summary>Which results the patient is told about, through which channels and how often.</summary>
public sealed record DeliveryPreferencesSet(
    PatientId PatientId,
    IReadOnlyList<DocumentType> ResultTypes,
    IReadOnlyList<DeliveryChannel> Channels,
    DeliveryFrequency Frequency) : IPatientEvent;

/// <summary>The patient wants to be told when an analyte falls outside low…high (in the given unit).</summary>
public sealed record AnalyteThresholdSet(PatientId PatientId, LoincCode Code, UcumUnit Unit, decimal? Low, decimal? High) : IPatientEvent;

public sealed record AnalyteThresholdRemoved(PatientId PatientId, LoincCode Code) : IPatientEvent;

/// <summary>
/// The patient's data key was destroyed (crypto-shredding): every earlier payload of the patient is unreadable for
/// ever. Stored in the clear, so it holds internal ids and the instant only.
/// </summary>
public sealed record PatientErased(PatientId PatientId, ActorId? ErasedBy, NodaTime.Instant ErasedAt) : IPatientEvent;

