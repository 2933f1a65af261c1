using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>The internal id of an organisation (a clinic, a laboratory, a hospital).</summary>
[JsonConverter(typeof(StringValueJsonConverter<OrganizationId>))]
public readonly record struct OrganizationId(Guid Value) : IStringValue<OrganizationId>
{
    public static bool TryParse(string? text, out OrganizationId id, out string reason)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid))
        {
            reason = $"'{text}' is not a GUID";
            return false;
        }

        if (guid == Guid.Empty)
        {
            reason = "organizationId is the empty GUID";
            return false;
        }

        id = new OrganizationId(guid);
        reason = string.Empty;
        return true;
    }

    public static OrganizationId Parse(string text) =>
        TryParse(text, out var id, out var reason) ? id : throw new DomainValidationException("organizationId", reason);

    public override string ToString() => Value.ToString("D");
}
