using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>The internal id of a delivered document (one result stream per document).</summary>
[JsonConverter(typeof(StringValueJsonConverter<DocumentId>))]
public readonly record struct DocumentId(Guid Value) : IStringValue<DocumentId>
{
    public static bool TryParse(string? text, out DocumentId id, out string reason)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid))
        {
            reason = $"'{text}' is not a GUID";
            return false;
        }

        if (guid == Guid.Empty)
        {
            reason = "documentId is the empty GUID";
            return false;
        }

        id = new DocumentId(guid);
        reason = string.Empty;
        return true;
    }

    public static DocumentId Parse(string text) =>
        TryParse(text, out var id, out var reason) ? id : throw new DomainValidationException("documentId", reason);

    public override string ToString() => Value.ToString("D");
}
