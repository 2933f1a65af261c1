using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ledger.App.Http.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>) and its reading page (<c>/docs</c>): the contract the API's clients
/// generate code from. The framework describes the routes, bodies and the responses the endpoints declare; the
/// transformers here add what it cannot see: the bearer scheme and the roles of each route, the problem responses
/// with the ledger's types, the parameters endpoints read themselves, the schemas of the domain's own JSON types,
/// and examples.
/// </summary>
public static class LedgerOpenApi
{
    public const string DocumentName = "v1";
    public const string DocumentPattern = "/openapi/{documentName}.json";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePath = "/docs";
    public const string BearerScheme = "bearer";
    public const string ProblemComponent = "Problem";
    public const string ProblemContentType = "application/problem+json";

    public static IServiceCollection AddLedgerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddSchemaTransformer(ApiSchemas.TransformAsync);
            options.AddOperationTransformer(ApiOperations.TransformAsync);
            options.AddDocumentTransformer(TransformDocumentAsync);
        });

    private static Task TransformDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Ledger API",
            Version = DocumentName,
            Description = """
                The system of record behind a patient health cabinet: laboratories and clinics deliver results, patients
                read and share them, auditors replay who saw what.

                JSON is camelCase; instants are ISO-8601 in UTC (`2026-03-02T09:00:00Z`), dates `yyyy-MM-dd`, enumerations
                camelCase strings. Every error is `application/problem+json` (RFC 9457) with a stable `type`, a `title`, the
                `status`, a `detail` and, when one field is at fault, `field` (the JSON path of the body member, or the
                name of the query parameter, route value or header); the types are listed in the `Problem` schema.
                Delivery endpoints answer content errors in their protocol's format (an HL7 ACK, a FHIR OperationOutcome).
                """,
        };
        document.Servers = [new OpenApiServer { Url = "/", Description = "this ledger" }];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token of the ledger (`ledger token --role R --subject ID`): `sub` is the caller's internal id, `role` one of "
                + string.Join(", ", Security.Roles.All) + ". Each operation lists the roles that may call it as the scopes of its requirement.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        document.Components.Schemas[ProblemComponent] = ApiSchemas.Problem();
        document.Components.Schemas["OperationOutcome"] = ApiSchemas.OperationOutcome();
        document.Components.Schemas["Hl7Message"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "An HL7 v2 message (ER7: segments separated by carriage returns).",
            Examples = [JsonValue.Create("MSH|^~\\&|LAB|LAB||LEDGER|20260302090000||ACK^R01^ACK|42|P|2.5.1\rMSA|AA|42")!],
        };
        Downloads.DownloadSchemas.Add(document.Components.Schemas);
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in Tags)
        {
            if (document.Tags.FirstOrDefault(t => t.Name == name) is { } tag)
            {
                tag.Description = description;
            }
            else
            {
                document.Tags.Add(new OpenApiTag { Name = name, Description = description });
            }
        }

        TrimTrailingSlashes(document);
        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> Tags = new(StringComparer.Ordinal)
    {
        ["Health"] = "Whether the ledger can serve: database, schema and projections.",
        ["Patients"] = "Registration of a cabinet and the patient's own profile, thresholds, contacts and delivery preferences; erasure.",
        ["Cabinet"] = "The patient's documents, newest first, with their versions.",
        ["Trends"] = "The values of one analyte over time.",
        ["Medical card"] = "The patient's chronic conditions and allergies, clinic-delivered and self-reported.",
        ["Consents"] = "Consents to a doctor and the share links that stand for them.",
        ["Access journal"] = "Who saw or was refused the patient's record.",
        ["Audit"] = "Auditors' time travel over streams, consents and access histories.",
        ["Compliance"] = "The compliance export (NDJSON).",
        ["Organizations"] = "Delivering organisations: registration, verification against the registry, suspension.",
        ["Ingestion"] = "Delivery of results by organisations: HL7 v2 and FHIR R4.",
        ["Downloads"] = "The patient's documents and medical card as signed files: PDF, FHIR R4 (JSON, XML), ZIP; the public key that checks them.",
        ["Identity"] = "The ledger's own sign-in (form posts with an anti-forgery token; password, then a one-time or recovery code) and the patient's sign-in journal.",
    };

    /// <summary>The tag names, for the tests that every operation carries one.</summary>
    public static IReadOnlyCollection<string> TagNames => Tags.Keys;

    /// <summary>
    /// A group's root route is mapped as <c>"/"</c> (<c>/api/v1/patients/</c>); routing ignores the trailing slash,
    /// and the document names the path without it.
    /// </summary>
    private static void TrimTrailingSlashes(OpenApiDocument document)
    {
        foreach (var path in document.Paths.Keys.Where(p => p.Length > 1 && p.EndsWith('/')).ToList())
        {
            var item = document.Paths[path];
            document.Paths.Remove(path);
            var trimmed = path.TrimEnd('/');
            if (document.Paths.TryGetValue(trimmed, out var existing) && existing is OpenApiPathItem target && item.Operations is { } operations)
            {
                foreach (var (method, operation) in operations)
                {
                    target.AddOperation(method, operation);
                }
            }
            else
            {
                document.Paths[trimmed] = item;
            }
        }
    }
}
