using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace Ledger.App.Downloads;

/// <summary>The OpenAPI components of the downloads: a file's bytes, and the FHIR Bundle.</summary>
public static class DownloadSchemas
{
    public const string File = "File";
    public const string Bundle = "FhirBundle";

    public static void Add(IDictionary<string, IOpenApiSchema> schemas)
    {
        ArgumentNullException.ThrowIfNull(schemas);
        schemas[File] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Format = "binary",
            Description = "The file's bytes (a PDF, a ZIP, a PEM key, or with signature a detached DER signature, application/octet-stream).",
        };
        schemas[Bundle] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "A FHIR R4 Bundle (type searchset): the Patient and the resources of the chosen documents, as $everything builds them.",
            Required = new HashSet<string> { "resourceType", "type" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["resourceType"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = "Bundle" },
                ["id"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
                ["total"] = new OpenApiSchema { Type = JsonSchemaType.Integer },
                ["entry"] = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Object } },
            },
            Examples = [JsonNode.Parse("""{"resourceType":"Bundle","id":"8b0c5e2a-1d4f-4c3b-9a7e-2f6d1c0b9e8a","type":"searchset","total":1,"entry":[{"fullUrl":"https://ledger.example/fhir/r4/Patient/0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e","resource":{"resourceType":"Patient","id":"0b8f3c1e-2a4d-4f6b-9c1d-7e5a3b2c1d0e"},"search":{"mode":"match"}}]}""")!],
        };
    }
}
