using System.Text.Json;
using System.Text.Json.Serialization;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Serialization;

/// <summary>Writes a value as its normalized string and reads it back through its validating <c>Parse</c>.</summary>
public sealed class StringValueJsonConverter<T> : JsonConverter<T>
    where T : IStringValue<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for {typeof(T).Name}, found {reader.TokenType}.");
        }

        var text = reader.GetString()!;
        try
        {
            return T.Parse(text);
        }
        catch (DomainValidationException e)
        {
            throw new JsonException($"Invalid {typeof(T).Name}: {e.Reason}", e);
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }

    public override T ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, typeToConvert, options);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value.ToString()!);
    }
}
