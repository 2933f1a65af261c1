using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Ledger.Domain.Identifiers;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using NodaTime;

namespace Ledger.App.Http.OpenApi;

/// <summary>
/// Schemas the framework cannot derive: the domain's values with their own JSON converters (instants, dates, names,
/// identifiers, enumerations read and written in camelCase), which properties are always present, the problem
/// document and FHIR's OperationOutcome.
/// </summary>
internal static class ApiSchemas
{
    public static Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var nullable = underlying != type;
        if (underlying == typeof(Instant))
        {
            Primitive(schema, nullable, "date-time", "An instant, ISO-8601 in UTC.", "2026-03-02T09:00:00Z");
        }
        else if (underlying == typeof(LocalDate) || underlying == typeof(BirthDate))
        {
            Primitive(schema, nullable, "date", "A date, yyyy-MM-dd.", "1985-04-12");
        }
        else if (underlying == typeof(FullName))
        {
            schema.Type = JsonSchemaType.Object;
            schema.Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["surname"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["givenName"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["patronymic"] = new OpenApiSchema { Type = JsonSchemaType.String | JsonSchemaType.Null },
            };
            schema.Required = new HashSet<string> { "surname", "givenName" };
            schema.AdditionalPropertiesAllowed = false;
        }
        else if (underlying.IsEnum)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. CamelCaseEnumConverterFactory.Names(underlying).Select(n => JsonValue.Create(n)!)];
        }
        else if (underlying.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStringValue<>)))
        {
            Primitive(schema, nullable, IsGuidValue(underlying) ? "uuid" : null, null, null);
        }
        else if (context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 })
        {
            MarkAlwaysPresent(schema, context.JsonTypeInfo);
        }

        if (context.JsonPropertyInfo is null && ApiExamples.For(underlying) is { } example)
        {
            schema.Examples = [example];
        }

        return Task.CompletedTask;
    }

    /// <summary>The problem document (RFC 9457) with the ledger's types.</summary>
    public static OpenApiSchema Problem() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "An error (RFC 9457). `type` is stable: handle errors by it; `title` is its short text, `detail` says what was wrong in this request.",
        Required = new HashSet<string> { "type", "title", "status", "detail" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "What went wrong; one of the ledger's problem types (docs/api.md).",
                Enum = [.. ProblemTypes.All.Select(t => JsonValue.Create(t)!)],
            },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Minimum = "400", Maximum = "599" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["field"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "The field at fault: the JSON path of a body member relative to the body (`doctorSnils`, `documentTypes[1]`, `body` for the whole body), or the name of a query parameter, route value or header (`pageSize`, `If-Match`).",
            },
            ["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The stable code of a refusal (`patient.snils_taken`, `consent.revoked`)." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace, to quote when reporting an error." },
        },
        Examples =
        [
            new JsonObject
            {
                ["type"] = ProblemTypes.Validation,
                ["title"] = "A field is not valid",
                ["status"] = 400,
                ["detail"] = "snils: check digits do not match",
                ["field"] = "snils",
            },
        ],
    };

    /// <summary>A FHIR R4 OperationOutcome, as the FHIR delivery answers.</summary>
    public static OpenApiSchema OperationOutcome() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "A FHIR R4 OperationOutcome (JSON, or XML when the delivery was XML or Accept asks for it): what was stored, or each issue with the FHIRPath of the element at fault.",
        Required = new HashSet<string> { "resourceType", "issue" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["resourceType"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = "OperationOutcome" },
            ["issue"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "severity", "code" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["severity"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("fatal")!, JsonValue.Create("error")!, JsonValue.Create("warning")!, JsonValue.Create("information")!] },
                        ["code"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["diagnostics"] = new OpenApiSchema { Type = JsonSchemaType.String },
                        ["expression"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                        ["extension"] = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Array,
                            Description = "The line and column of the issue in the delivered text, when known (FHIR's operationoutcome-issue-line and -col).",
                            Items = new OpenApiSchema
                            {
                                Type = JsonSchemaType.Object,
                                Required = new HashSet<string> { "url" },
                                Properties = new Dictionary<string, IOpenApiSchema>
                                {
                                    ["url"] = new OpenApiSchema { Type = JsonSchemaType.String },
                                    ["valueInteger"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                                },
                            },
                        },
                    },
                },
            },
        },
        Examples = [JsonNode.Parse("""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"value","diagnostics":"not a valid LOINC code","expression":["Observation.code"]}]}""")!],
    };

    private static bool IsGuidValue(Type type) => type.GetProperty("Value")?.PropertyType == typeof(Guid);

    private static void Primitive(OpenApiSchema schema, bool nullable, string? format, string? description, string? example)
    {
        schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
        schema.Format = format;
        schema.Description ??= description;
        if (example is not null)
        {
            schema.Examples = [JsonValue.Create(example)!];
        }
    }

    /// <summary>
    /// A property whose type is not nullable is always written (null members are left out, see the HTTP JSON
    /// options), so the schema requires it; nullable ones may be absent. (The framework would require every
    /// constructor parameter, nullable or not.)
    /// </summary>
    private static void MarkAlwaysPresent(OpenApiSchema schema, JsonTypeInfo info)
    {
        var nullability = new NullabilityInfoContext();
        schema.Required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in info.Properties)
        {
            if (!schema.Properties!.ContainsKey(property.Name) || property.AttributeProvider is not MemberInfo member)
            {
                continue;
            }

            var state = member switch
            {
                PropertyInfo p => nullability.Create(p).ReadState,
                FieldInfo f => nullability.Create(f).ReadState,
                _ => NullabilityState.Unknown,
            };
            if (state == NullabilityState.NotNull)
            {
                schema.Required.Add(property.Name);
            }
        }
    }
}
