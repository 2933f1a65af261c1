using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>The internal id of a consent a patient gave to a doctor.</summary>
[JsonConverter(typeof(StringValueJsonConverter<ConsentId>))]
public readonly record struct ConsentId(Guid Value) : IStringValue<ConsentId>
{
    public static bool TryParse(string? text, out ConsentId id, out string reason)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid))
        {
            reason = $"'{text}' is not a GUID";
            return false;
        }

        if (guid == Guid.Empty)
        {
            reason = "consentId is the empty GUID";
            return false;
        }

        id = new ConsentId(guid);
        reason = string.Empty;
        return true;
    }

    public static ConsentId Parse(string text) =>
        TryParse(text, out var id, out var reason) ? id : throw new DomainValidationException("consentId", reason);

    public override string ToString() => Value.ToString("D");
}
