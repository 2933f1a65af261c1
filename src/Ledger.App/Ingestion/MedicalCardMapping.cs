using Ledger.App.Ingestion.Parsed;
using Ledger.Domain.MedicalCard;

namespace Ledger.App.Ingestion;

/// <summary>Maps delivered Conditions and AllergyIntolerances onto the medical card's details (codes kept as delivered).</summary>
public static class MedicalCardMapping
{
    public static ConditionDetails ToCondition(ConditionDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new ConditionDetails(
            Code(d.Code), d.Text, d.ClinicalStatus, d.VerificationStatus, d.Category, d.Onset, d.OnsetText, Party(d.Recorder), Party(d.Asserter), d.Note);
    }

    public static AllergyDetails ToAllergy(AllergyDocument d)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new AllergyDetails(
            Code(d.Code), d.Text, d.ClinicalStatus, d.VerificationStatus, d.Type, d.Category, d.Criticality, d.Onset, d.OnsetText,
            Party(d.Recorder), Party(d.Asserter), d.Reaction, d.Note);
    }

    /// <summary>The coded value as a card code; a concept with only a text has no code (its text is the entry's text).</summary>
    private static CardCode? Code(CodedValue? c) => c is { Code: not null } ? new CardCode(c.System, c.Code, c.Text) : null;

    private static string? Party(ResponsibleParty? p) => p is null ? null : p.Display ?? p.Id;
}
