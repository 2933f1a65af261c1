using NodaTime;

namespace Ledger.Domain.MedicalCard;

/// <summary>Decides the commands on one patient's medical card stream. Throws <see cref="DomainRejection"/> to refuse.</summary>
public static class MedicalCardDecider
{
    /// <summary>Longest free text of an entry (its text, note, reaction).</summary>
    public const int MaxText = 2000;

    /// <summary>The FHIR verification status that takes an entry off the card.</summary>
    public const string EnteredInError = "entered-in-error";

    public static IReadOnlyList<IMedicalCardEvent> Decide(MedicalCardCommand command, MedicalCardState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        if (command.EntryId == Guid.Empty)
        {
            throw new DomainRejection("medicalcard.entry_id_required", "An entry needs an id.");
        }

        return command switch
        {
            RecordCondition c => Deliver(c, c.Organization, c.DeliveryId, state, now, CardEntryKind.Condition, c.Condition.VerificationStatus, c.Condition == state.Find(c.EntryId)?.Condition,
                () => Check(c.Condition, now),
                () => new ConditionRecorded(c.Patient, c.EntryId, CardEntrySource.Clinic, c.Organization, c.DeliveryId, c.Condition, now),
                () => new ConditionCorrected(c.Patient, c.EntryId, c.DeliveryId, c.Condition, now)),
            RecordAllergy c => Deliver(c, c.Organization, c.DeliveryId, state, now, CardEntryKind.Allergy, c.Allergy.VerificationStatus, c.Allergy == state.Find(c.EntryId)?.Allergy,
                () => Check(c.Allergy, now),
                () => new AllergyRecorded(c.Patient, c.EntryId, CardEntrySource.Clinic, c.Organization, c.DeliveryId, c.Allergy, now),
                () => new AllergyCorrected(c.Patient, c.EntryId, c.DeliveryId, c.Allergy, now)),
            ReportCondition c => Report(c, state, now),
            WithdrawReportedEntry c => Withdraw(c, state, now),
            _ => throw new InvalidOperationException($"Unknown medical card command {command.GetType().Name}."),
        };
    }

    private static IReadOnlyList<IMedicalCardEvent> Deliver(
        MedicalCardCommand c, Identifiers.OrganizationId organization, string deliveryId, MedicalCardState state, Instant now, CardEntryKind kind,
        string? verification, bool same, Action check, Func<IMedicalCardEvent> recorded, Func<IMedicalCardEvent> corrected)
    {
        var existing = state.Find(c.EntryId);
        if (existing is not null && (existing.Kind != kind || existing.Source != CardEntrySource.Clinic || existing.Organization != organization))
        {
            throw new DomainRejection("medicalcard.entry_not_yours", "The entry was put on the card by someone else.");
        }

        if (verification == EnteredInError)
        {
            return existing switch
            {
                null => throw new DomainRejection("medicalcard.entry_not_found", "Only an entry on the card can be marked entered-in-error."),
                { EnteredInError: true } => Decisions.Nothing<IMedicalCardEvent>(),
                _ => Decisions.Emit<IMedicalCardEvent>(new CardEntryEnteredInError(c.Patient, c.EntryId, CardEntrySource.Clinic, deliveryId, null, now)),
            };
        }

        check();
        if (existing is null)
        {
            return Decisions.Emit(recorded());
        }

        if (existing.EnteredInError)
        {
            throw new DomainRejection("medicalcard.entered_in_error", "An entry recorded in error cannot be changed.");
        }

        return same ? Decisions.Nothing<IMedicalCardEvent>() : Decisions.Emit(corrected());
    }

    private static IReadOnlyList<IMedicalCardEvent> Report(ReportCondition c, MedicalCardState state, Instant now)
    {
        if (c.Condition.VerificationStatus == EnteredInError)
        {
            throw new DomainRejection("medicalcard.report_entered_in_error", "Withdraw a reported entry instead of reporting it entered-in-error.");
        }

        Check(c.Condition, now);
        return state.Find(c.EntryId) switch
        {
            null => Decisions.Emit<IMedicalCardEvent>(new ConditionRecorded(c.Patient, c.EntryId, CardEntrySource.Patient, null, null, c.Condition, now)),
            { Source: CardEntrySource.Patient, Kind: CardEntryKind.Condition } e when e.Condition == c.Condition => Decisions.Nothing<IMedicalCardEvent>(),
            _ => throw new DomainRejection("medicalcard.entry_exists", "Another entry has this id."),
        };
    }

    private static IReadOnlyList<IMedicalCardEvent> Withdraw(WithdrawReportedEntry c, MedicalCardState state, Instant now) => state.Find(c.EntryId) switch
    {
        null => throw new DomainRejection("medicalcard.entry_not_found", "No such entry on the card."),
        { Source: not CardEntrySource.Patient } => throw new DomainRejection("medicalcard.entry_not_yours", "Only an entry the patient reported can be withdrawn by the patient."),
        { EnteredInError: true } => Decisions.Nothing<IMedicalCardEvent>(),
        _ => Decisions.Emit<IMedicalCardEvent>(new CardEntryEnteredInError(c.Patient, c.EntryId, CardEntrySource.Patient, null, Trim(c.Reason), now)),
    };

    private static void Check(ConditionDetails d, Instant now) => Check(d.Code, d.Text, d.Onset, now, d.Note);

    private static void Check(AllergyDetails d, Instant now) => Check(d.Code, d.Text, d.Onset, now, d.Note, d.Reaction);

    private static void Check(CardCode? code, string? text, LocalDate? onset, Instant now, params string?[] free)
    {
        if (string.IsNullOrWhiteSpace(code?.Code) && string.IsNullOrWhiteSpace(text) && string.IsNullOrWhiteSpace(code?.Display))
        {
            throw new DomainRejection("medicalcard.code_or_text_required", "An entry needs a code or a text.");
        }

        if ((text?.Length ?? 0) > MaxText || free.Any(f => (f?.Length ?? 0) > MaxText))
        {
            throw new DomainRejection("medicalcard.text_too_long", $"A text of an entry has at most {MaxText} characters.");
        }

        if (onset is { } date && date > Decisions.LatestToday(now))
        {
            throw new DomainRejection("medicalcard.onset_in_future", "The onset is after today.");
        }
    }

    private static string? Trim(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
