using System.Text.Json.Serialization;
using Ledger.Domain.Serialization;

namespace Ledger.Domain.Identifiers;

/// <summary>The internal id of a patient (the patient stream and the access stream are keyed by it).</summary>
[JsonConverter(typeof(StringValueJsonConverter<PatientId>))]
public readonly record struct PatientId(Guid Value) : IStringValue<PatientId>
{
    public static bool TryParse(string? text, out PatientId id, out string reason)
    {
        id = default;
        if (!Guid.TryParse(text, out var guid))
        {
            reason = $"'{text}' is not a GUID";
            return false;
        }

        if (guid == Guid.Empty)
        {
            reason = "patientId is the empty GUID";
            return false;
        }

        id = new PatientId(guid);
        reason = string.Empty;
        return true;
    }

    public static PatientId Parse(string text) =>
        TryParse(text, out var id, out var reason) ? id : throw new DomainValidationException("patientId", reason);

    public override string ToString() => Value.ToString("D");
}
