using NodaTime;

namespace Ledger.Domain.Patients;

/// <summary>Decides the commands on one patient stream. Throws <see cref="DomainRejection"/> to refuse.</summary>
public static class PatientDecider
{
    public static IReadOnlyList<IPatientEvent> Decide(PatientCommand command, PatientState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Erased)
        {
            throw new DomainRejection("patient.erased", "The patient's data were erased; the cabinet is closed for good.");
        }

        if (command is RegisterPatient register)
        {
            return Register(register, state, now);
        }

        if (!state.Registered)
        {
            throw new DomainRejection("patient.not_registered", "The patient is not registered.");
        }

        return command switch
        {
            ChangeContacts c => ChangeContacts(c, state),
            LinkOrganization c => state.LinkedOrganizations.Contains(c.OrganizationId)
                ? Decisions.Nothing<IPatientEvent>()
                : Decisions.Emit(new PatientOrganizationLinked(state.PatientId, c.OrganizationId)),
            UnlinkOrganization c => state.LinkedOrganizations.Contains(c.OrganizationId)
                ? Decisions.Emit(new PatientOrganizationUnlinked(state.PatientId, c.OrganizationId))
                : throw new DomainRejection("patient.organization_not_linked", "The organisation is not linked to the patient."),
            SetDeliveryPreferences c => SetPreferences(c, state),
            SetAnalyteThreshold c => SetThreshold(c, state),
            RemoveAnalyteThreshold c => state.Thresholds.ContainsKey(c.Code)
                ? Decisions.Emit(new AnalyteThresholdRemoved(state.PatientId, c.Code))
                : throw new DomainRejection("patient.threshold_not_set", $"No threshold is set for {c.Code}."),
            _ => throw new InvalidOperationException($"Unknown patient command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IPatientEvent> Register(RegisterPatient c, PatientState state, Instant now)
    {
        if (state.Registered)
        {
            throw new DomainRejection("patient.already_registered", "The patient is already registered.");
        }

        if (c.BirthDate.Value > Decisions.LatestToday(now))
        {
            throw new DomainRejection("patient.birth_date_in_future", "The birth date is in the future.");
        }

        return Decisions.Emit(new PatientRegistered(c.PatientId, c.Name, c.BirthDate, c.Sex, c.Snils, c.Enp, c.Email, c.Phone));
    }

    private static IReadOnlyList<IPatientEvent> ChangeContacts(ChangeContacts c, PatientState state)
    {
        if (c.Email == state.Email && c.Phone == state.Phone)
        {
            return Decisions.Nothing<IPatientEvent>();
        }

        var channels = state.Preferences?.Channels ?? [];
        if (c.Email is null && channels.Contains(DeliveryChannel.Email))
        {
            throw new DomainRejection("patient.channel_without_contact", "E-mail delivery is on; the e-mail cannot be removed.");
        }

        if (c.Phone is null && channels.Contains(DeliveryChannel.Sms))
        {
            throw new DomainRejection("patient.channel_without_contact", "SMS delivery is on; the phone cannot be removed.");
        }

        return Decisions.Emit(new PatientContactsChanged(state.PatientId, c.Email, c.Phone));
    }

    private static IReadOnlyList<IPatientEvent> SetPreferences(SetDeliveryPreferences c, PatientState state)
    {
        if (c.Channels.Contains(DeliveryChannel.Email) && state.Email is null)
        {
            throw new DomainRejection("patient.channel_without_contact", "E-mail delivery needs an e-mail address.");
        }

        if (c.Channels.Contains(DeliveryChannel.Sms) && state.Phone is null)
        {
            throw new DomainRejection("patient.channel_without_contact", "SMS delivery needs a phone number.");
        }

        return Decisions.Emit(new DeliveryPreferencesSet(
            state.PatientId, [.. c.ResultTypes.Distinct()], [.. c.Channels.Distinct()], c.Frequency));
    }

    private static IReadOnlyList<IPatientEvent> SetThreshold(SetAnalyteThreshold c, PatientState state)
    {
        if (c.Low is null && c.High is null)
        {
            throw new DomainRejection("patient.threshold_empty", "A threshold needs a low or a high bound.");
        }

        if (c.Low > c.High)
        {
            throw new DomainRejection("patient.threshold_low_above_high", $"Low {c.Low} is above high {c.High}.");
        }

        var threshold = new AnalyteThreshold(c.Code, c.Unit, c.Low, c.High);
        return state.Thresholds.TryGetValue(c.Code, out var existing) && existing == threshold
            ? Decisions.Nothing<IPatientEvent>()
            : Decisions.Emit(new AnalyteThresholdSet(state.PatientId, c.Code, c.Unit, c.Low, c.High));
    }
}
