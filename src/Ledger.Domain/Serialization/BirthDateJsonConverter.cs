using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;
using NodaTime.Text;

namespace Ledger.Domain.Serialization;

/// <summary>
/// Writes a <see cref="BirthDate"/> as an ISO date. Reading does not check it against today: it was checked when it
/// was recorded, and a stored event must always be readable.
/// </summary>
public sealed class BirthDateJsonConverter : JsonConverter<BirthDate>
{
    public override BirthDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        var parsed = LocalDatePattern.Iso.Parse(text ?? string.Empty);
        return parsed.Success
            ? BirthDate.FromStored(parsed.Value)
            : throw new JsonException($"Invalid birth date '{text}': expected yyyy-MM-dd.");
    }

    public override void Write(Utf8JsonWriter writer, BirthDate value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}
