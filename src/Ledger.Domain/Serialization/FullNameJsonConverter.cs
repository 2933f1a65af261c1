using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Serialization;

/// <summary>Writes a <see cref="FullName"/> as <c>{ "surname", "givenName", "patronymic" }</c>.</summary>
public sealed class FullNameJsonConverter : JsonConverter<FullName>
{
    public override FullName Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object for a name, found {reader.TokenType}.");
        }

        string? surname = null, givenName = null, patronymic = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var property = reader.GetString();
            reader.Read();
            var value = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            switch (property)
            {
                case "surname":
                    surname = value;
                    break;
                case "givenName":
                    givenName = value;
                    break;
                case "patronymic":
                    patronymic = value;
                    break;
                default:
                    throw new JsonException($"Unexpected property '{property}' in a name.");
            }
        }

        return FullName.TryCreate(surname, givenName, patronymic, out var name, out var reason)
            ? name
            : throw new JsonException($"Invalid name: {reason}");
    }

    public override void Write(Utf8JsonWriter writer, FullName value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("surname", value.Surname);
        writer.WriteString("givenName", value.GivenName);
        if (value.Patronymic is null)
        {
            writer.WriteNull("patronymic");
        }
        else
        {
            writer.WriteString("patronymic", value.Patronymic);
        }

        writer.WriteEndObject();
    }
}
