using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ledger.App.Http;

/// <summary>
/// Enumerations over HTTP: written in camelCase, and read only in camelCase (<c>labReport</c>, never <c>LabReport</c>
/// or <c>0</c>), so that what the API accepts is exactly what it answers and what its document lists. A value outside
/// the enumeration is refused with the allowed values, and the request's problem names the member at fault.
/// </summary>
public sealed class CamelCaseEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(CamelCaseEnumConverter<>).MakeGenericType(typeToConvert))!;

    /// <summary>The camelCase name of an enumeration value, as the API writes it.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum => CamelCaseEnumConverter<TEnum>.NameOf(value);

    /// <summary>Every camelCase name of an enumeration, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type enumType)
    {
        ArgumentNullException.ThrowIfNull(enumType);
        return [.. Enum.GetNames(enumType).Select(JsonNamingPolicy.CamelCase.ConvertName)];
    }
}

/// <summary>A member whose value is not one of its enumeration's names.</summary>
public sealed class EnumValueException : JsonException
{
    public EnumValueException(string message)
        : base(message)
    {
    }

    public EnumValueException()
    {
    }

    public EnumValueException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

internal sealed class CamelCaseEnumConverter<TEnum> : JsonConverter<TEnum>
    where TEnum : struct, Enum
{
    private static readonly Dictionary<string, TEnum> ByName = Enum.GetValues<TEnum>().ToDictionary(v => JsonNamingPolicy.CamelCase.ConvertName(v.ToString()), StringComparer.Ordinal);
    private static readonly Dictionary<TEnum, string> Names = ByName.ToDictionary(p => p.Value, p => p.Key);
    private static readonly string Allowed = "one of " + string.Join(", ", ByName.Keys);

    public static string NameOf(TEnum value) =>
        Names.TryGetValue(value, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(value), value, "not a named value");

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.GetString() is { } text && ByName.TryGetValue(text, out var value)
            ? value
            : throw new EnumValueException(Allowed);

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(NameOf(value));
    }

    public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } text && ByName.TryGetValue(text, out var value) ? value : throw new EnumValueException(Allowed);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(NameOf(value));
    }
}
