using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Ledger.Domain.Results;

namespace Ledger.App.Patients;

/// <summary>Body of <c>POST /api/v1/patients</c>. Identifiers are strings so that each error names its field.</summary>
public sealed record RegisterPatientRequest(
    string? Surname,
    string? GivenName,
    string? Patronymic,
    string? BirthDate,
    string? Sex,
    string? Snils,
    string? Enp,
    string? Email,
    string? Phone);

/// <summary>Body of <c>PUT /api/v1/patients/me/thresholds/{loinc}</c>.</summary>
public sealed record ThresholdRequest(string? Unit, decimal? Low, decimal? High);

/// <summary>Body of <c>PUT /api/v1/patients/me/delivery-preferences</c>.</summary>
public sealed record DeliveryPreferencesRequest(IReadOnlyList<DocumentType>? ResultTypes, IReadOnlyList<DeliveryChannel>? Channels, DeliveryFrequency? Frequency);

/// <summary>Body of <c>PUT /api/v1/patients/me/contacts</c>.</summary>
public sealed record ContactsRequest(string? Email, string? Phone);

/// <summary>What a patient sees of their own cabinet.</summary>
public sealed record PatientProfile(
    Guid PatientId,
    FullName Name,
    string BirthDate,
    Sex Sex,
    string Snils,
    string? Enp,
    string? Email,
    string? Phone,
    IReadOnlyList<Guid> LinkedOrganizations,
    DeliveryPreferences? DeliveryPreferences,
    IReadOnlyList<ThresholdView> Thresholds,
    long Version);

public sealed record ThresholdView(string Loinc, string Unit, decimal? Low, decimal? High);

public sealed record RegisteredPatient(Guid PatientId, long Version);

/// <summary>The answer to a command on the caller's own patient stream: the stream's version after it, and whether it changed anything.</summary>
public sealed record CommandOutcome(long Version, bool Changed);

/// <summary>The answer to an erasure.</summary>
public sealed record PatientErasedResponse(Guid PatientId, bool Erased);
