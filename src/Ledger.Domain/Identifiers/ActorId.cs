using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>The internal id of whoever acted: a patient, a doctor, an auditor, support staff or the system.</summary>
[JsonConverter(typeof(StringValueJsonConverter<ActorId>))]
public readonly record struct ActorId(Guid Value) : IStringValue<ActorId>
{
    public static bool TryParse(string? text, out ActorId id, out string reason)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid))
        {
            reason = $"'{text}' is not a GUID";
            return false;
        }

        if (guid == Guid.Empty)
        {
            reason = "actorId is the empty GUID";
            return false;
        }

        id = new ActorId(guid);
        reason = string.Empty;
        return true;
    }

    public static ActorId Parse(string text) =>
        TryParse(text, out var id, out var reason) ? id : throw new DomainValidationException("actorId", reason);

    public override string ToString() => Value.ToString("D");
}
