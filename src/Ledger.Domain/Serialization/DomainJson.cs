using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Ledger.Domain.Serialization;

/// <summary>
/// The JSON shape of every event: camelCase properties, enums as camelCase strings, instants and dates as ISO-8601
/// strings, identifiers as plain strings (their converters are attached to the types themselves).
/// </summary>
public static class DomainJson
{
    /// <summary>Read-only options; copy them (<c>new JsonSerializerOptions(DomainJson.Options)</c>) to change any.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = JsonNamingPolicy.CamelCase,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),

            // The store keeps payloads as PostgreSQL jsonb, which orders keys by length: a type discriminator
            // such as "documentType" is not necessarily first when a payload is read back.
            AllowOutOfOrderMetadataProperties = true,

            // Payloads are stored, hashed and read back as JSON, never embedded in HTML: keep Cyrillic and '+' as
            // they are instead of \uXXXX escapes. Whoever renders a value into HTML encodes it there.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Converters =
            {
                new InstantJsonConverter(),
                new LocalDateJsonConverter(),
                new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false),
            },
        };
        options.MakeReadOnly();
        return options;
    }
}
