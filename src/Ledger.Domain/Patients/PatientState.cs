using System.Collections.Immutable;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;

namespace Ledger.Domain.Patients;

public sealed record AnalyteThreshold(LoincCode Code, UcumUnit Unit, decimal? Low, decimal? High);

public sealed record DeliveryPreferences(
    IReadOnlyList<DocumentType> ResultTypes,
    IReadOnlyList<DeliveryChannel> Channels,
    DeliveryFrequency Frequency);

/// <summary>The state of one patient stream.</summary>
public sealed record PatientState(
    bool Registered,
    PatientId PatientId,
    FullName? Name,
    BirthDate? BirthDate,
    Sex Sex,
    Snils? Snils,
    Enp? Enp,
    Email? Email,
    PhoneNumber? Phone,
    ImmutableHashSet<OrganizationId> LinkedOrganizations,
    DeliveryPreferences? Preferences,
    ImmutableDictionary<LoincCode, AnalyteThreshold> Thresholds)
{
    /// <summary>The patient's data were crypto-shredded; the cabinet is closed for good.</summary>
    public bool Erased { get; init; }

    public static PatientState Initial { get; } = new(
        false, default, null, null, Sex.Unknown, null, null, null, null, [], null,
        ImmutableDictionary<LoincCode, AnalyteThreshold>.Empty);

    public static PatientState Evolve(PatientState state, IPatientEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            PatientRegistered e => state with
            {
                Registered = true,
                PatientId = e.PatientId,
                Name = e.Name,
                BirthDate = e.BirthDate,
                Sex = e.Sex,
                Snils = e.Snils,
                Enp = e.Enp,
                Email = e.Email,
                Phone = e.Phone,
            },
            PatientContactsChanged e => state with { Email = e.Email, Phone = e.Phone },
            PatientOrganizationLinked e => state with { LinkedOrganizations = state.LinkedOrganizations.Add(e.OrganizationId) },
            PatientOrganizationUnlinked e => state with { LinkedOrganizations = state.LinkedOrganizations.Remove(e.OrganizationId) },
            DeliveryPreferencesSet e => state with { Preferences = new DeliveryPreferences(e.ResultTypes, e.Channels, e.Frequency) },
            AnalyteThresholdSet e => state with
            {
                Thresholds = state.Thresholds.SetItem(e.Code, new AnalyteThreshold(e.Code, e.Unit, e.Low, e.High)),
            },
            AnalyteThresholdRemoved e => state with { Thresholds = state.Thresholds.Remove(e.Code) },
            PatientErased e => Initial with { PatientId = e.PatientId, Erased = true },
            _ => throw new InvalidOperationException(
                $"PatientState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
