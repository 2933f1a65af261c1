using System.Collections.Immutable;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.MedicalCard;

/// <summary>One entry of the card as the decider needs it.</summary>
public sealed record CardEntryState(
    CardEntryKind Kind, CardEntrySource Source, OrganizationId? Organization, ConditionDetails? Condition, AllergyDetails? Allergy, bool EnteredInError);

/// <summary>The state of one patient's medical card stream: its entries by id.</summary>
public sealed record MedicalCardState(ImmutableDictionary<Guid, CardEntryState> Entries)
{
    public static MedicalCardState Initial { get; } = new(ImmutableDictionary<Guid, CardEntryState>.Empty);

    public CardEntryState? Find(Guid entryId) => Entries.GetValueOrDefault(entryId);

    public static MedicalCardState Evolve(MedicalCardState state, IMedicalCardEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            ConditionRecorded e => state.Put(e.EntryId, new CardEntryState(CardEntryKind.Condition, e.Source, e.Organization, e.Condition, null, false)),
            AllergyRecorded e => state.Put(e.EntryId, new CardEntryState(CardEntryKind.Allergy, e.Source, e.Organization, null, e.Allergy, false)),
            ConditionCorrected e => state.Put(e.EntryId, state.Entries[e.EntryId] with { Condition = e.Condition }),
            AllergyCorrected e => state.Put(e.EntryId, state.Entries[e.EntryId] with { Allergy = e.Allergy }),
            CardEntryEnteredInError e => state.Put(e.EntryId, state.Entries[e.EntryId] with { EnteredInError = true }),
            _ => throw new InvalidOperationException($"MedicalCardState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }

    private MedicalCardState Put(Guid id, CardEntryState entry) => this with { Entries = Entries.SetItem(id, entry) };
}
