using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;

namespace Ledger.Domain.Patients;

/// <summary>A command on one patient stream.</summary>
public abstract record PatientCommand;

public sealed record RegisterPatient(
    PatientId PatientId,
    FullName Name,
    BirthDate BirthDate,
    Sex Sex,
    Snils Snils,
    Enp? Enp,
    Email? Email,
    PhoneNumber? Phone) : PatientCommand;

public sealed record ChangeContacts(PatientId PatientId, Email? Email, PhoneNumber? Phone) : PatientCommand;

public sealed record LinkOrganization(PatientId PatientId, OrganizationId OrganizationId) : PatientCommand;

public sealed record UnlinkOrganization(PatientId PatientId, OrganizationId OrganizationId) : PatientCommand;

public sealed record SetDeliveryPreferences(
    PatientId PatientId,
    IReadOnlyList<DocumentType> ResultTypes,
    IReadOnlyList<DeliveryChannel> Channels,
    DeliveryFrequency Frequency) : PatientCommand;

/// <summary>Set (or replace) the alert threshold of one analyte; at least one bound is required.</summary>
public sealed record SetAnalyteThreshold(PatientId PatientId, LoincCode Code, UcumUnit Unit, decimal? Low, decimal? High)
    : PatientCommand;

public sealed record RemoveAnalyteThreshold(PatientId PatientId, LoincCode Code) : PatientCommand;
