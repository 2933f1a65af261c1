using System.Text.Json;
using System.Text.Json.Serialization;
using NodaTime;
using NodaTime.Text;

namespace Ledger.Domain.Serialization;

/// <summary>An <see cref="Instant"/> as an ISO-8601 UTC string (<see cref="InstantPattern.ExtendedIso"/>).</summary>
public sealed class InstantJsonConverter : JsonConverter<Instant>
{
    public override Instant Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        var parsed = InstantPattern.ExtendedIso.Parse(text ?? string.Empty);
        return parsed.Success ? parsed.Value : throw new JsonException($"Invalid instant '{text}'.", parsed.Exception);
    }

    public override void Write(Utf8JsonWriter writer, Instant value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(InstantPattern.ExtendedIso.Format(value));
    }
}

/// <summary>A <see cref="LocalDate"/> as an ISO-8601 date (<see cref="LocalDatePattern.Iso"/>).</summary>
public sealed class LocalDateJsonConverter : JsonConverter<LocalDate>
{
    public override LocalDate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        var parsed = LocalDatePattern.Iso.Parse(text ?? string.Empty);
        return parsed.Success ? parsed.Value : throw new JsonException($"Invalid date '{text}'.", parsed.Exception);
    }

    public override void Write(Utf8JsonWriter writer, LocalDate value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(LocalDatePattern.Iso.Format(value));
    }
}
