using Ledger.Domain.Access;
using NodaTime;

namespace Ledger.App.AccessJournal;

/// <summary>One line of the access journal, from an access event; outcome <c>denied</c> for a refusal.</summary>
public sealed record JournalRow(
    Guid PatientId,
    Instant At,
    string ActorKind,
    Guid ActorId,
    Guid? DocumentId,
    string Purpose,
    Guid? ConsentId,
    string Channel,
    string? SourceAddress,
    string Outcome,
    string? ReasonCode)
{
    public static JournalRow Of(RecordAccessed a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var (purpose, source) = AccessPurpose.Split(a.Purpose);
        return new(a.PatientId.Value, a.AccessedAt, Camel(a.Actor.Kind.ToString()), a.Actor.Id.Value, a.DocumentId?.Value, purpose, a.ConsentId?.Value,
            Camel(a.Channel.ToString()), source, Camel(a.Outcome.ToString()), null);
    }

    public static JournalRow Of(AccessDenied d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var (purpose, source) = AccessPurpose.Split(d.Purpose);
        return new(d.PatientId.Value, d.AttemptedAt, Camel(d.Actor.Kind.ToString()), d.Actor.Id.Value, d.DocumentId?.Value, purpose, d.ConsentId?.Value,
            Camel(d.Channel.ToString()), source, "denied", d.ReasonCode);
    }

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
