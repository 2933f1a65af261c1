using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Ledger.App.Http.OpenApi;

/// <summary>Completes each operation: who may call it, the parameters it reads itself, every response it may answer.</summary>
internal static class ApiOperations
{
    public static Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document ?? throw new InvalidOperationException("the operation has no document");
        operation.OperationId ??= OperationId(context.Description.HttpMethod ?? "GET", context.Description.RelativePath ?? string.Empty);
        AddParameters(operation, metadata.OfType<ApiParameter>());
        var roles = Roles(metadata);
        AddSecurity(operation, roles, document);
        // Signed-in callers and share links are rate limited (HttpPolicies): 429 with Retry-After.
        var limited = roles is not null || (context.Description.RelativePath ?? string.Empty).StartsWith("api/v1/shared", StringComparison.Ordinal);
        AddResponses(operation, metadata, roles is not null, limited, document);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The roles that may call the endpoint: null for an anonymous one, empty for any valid token. Every policy on the
    /// endpoint (its group's and its own) must be met, so the roles are those every role requirement allows.
    /// </summary>
    public static IReadOnlyList<string>? Roles(IEnumerable<object> metadata)
    {
        var list = metadata.ToList();
        if (list.OfType<IAllowAnonymous>().Any() || !list.OfType<IAuthorizeData>().Any() && !list.OfType<AuthorizationPolicy>().Any())
        {
            return null;
        }

        IEnumerable<string>? roles = null;
        foreach (var requirement in list.OfType<AuthorizationPolicy>().SelectMany(p => p.Requirements).OfType<RolesAuthorizationRequirement>())
        {
            roles = roles is null ? requirement.AllowedRoles : roles.Intersect(requirement.AllowedRoles, StringComparer.Ordinal);
        }

        foreach (var data in list.OfType<IAuthorizeData>().Where(d => !string.IsNullOrWhiteSpace(d.Roles)))
        {
            var allowed = data.Roles!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            roles = roles is null ? allowed : roles.Intersect(allowed, StringComparer.Ordinal);
        }

        return roles?.Order(StringComparer.Ordinal).ToList() ?? [];
    }

    private static void AddSecurity(OpenApiOperation operation, IReadOnlyList<string>? roles, OpenApiDocument document)
    {
        var who = roles switch
        {
            null => "Anonymous.",
            [] => "Any valid token.",
            _ => "Roles: " + string.Join(", ", roles) + ".",
        };
        operation.Description = operation.Description is { Length: > 0 } d ? who + "\n\n" + d : who;
        if (roles is null)
        {
            // An empty requirement: the operation needs no credentials.
            operation.Security = [new OpenApiSecurityRequirement()];
            return;
        }

        operation.Security = roles.Count == 0
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(LedgerOpenApi.BearerScheme, document)] = [] }]
            : [.. roles.Select(r => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(LedgerOpenApi.BearerScheme, document)] = [r] })];
        operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        operation.Extensions["x-ledger-roles"] = new JsonNodeExtension(new JsonArray([.. roles.Select(r => JsonValue.Create(r))]));
    }

    private static void AddParameters(OpenApiOperation operation, IEnumerable<ApiParameter> parameters)
    {
        foreach (var parameter in parameters)
        {
            var location = parameter.Source == ApiParameterSource.Header ? ParameterLocation.Header : ParameterLocation.Query;
            var schema = new OpenApiSchema
            {
                Type = parameter.Type == "integer" ? JsonSchemaType.Integer : JsonSchemaType.String,
                Format = parameter.Format,
                Enum = parameter.Values?.Select(v => (JsonNode)JsonValue.Create(v)!).ToList(),
                Minimum = parameter.Minimum?.ToString(CultureInfo.InvariantCulture),
                Maximum = parameter.Maximum?.ToString(CultureInfo.InvariantCulture),
            };
            var documented = new OpenApiParameter
            {
                Name = parameter.Name,
                In = location,
                Description = parameter.Description,
                Required = parameter.Required,
                Schema = schema,
                Example = parameter.Example is null ? null : parameter.Type == "integer" ? JsonValue.Create(int.Parse(parameter.Example, CultureInfo.InvariantCulture)) : JsonValue.Create(parameter.Example),
            };
            operation.Parameters ??= [];
            var index = operation.Parameters.ToList().FindIndex(p => string.Equals(p.Name, parameter.Name, StringComparison.Ordinal) && p.In == location);
            if (index >= 0)
            {
                operation.Parameters[index] = documented;
            }
            else
            {
                operation.Parameters.Add(documented);
            }
        }
    }

    private static void AddResponses(OpenApiOperation operation, IList<object> metadata, bool authorized, bool limited, OpenApiDocument document)
    {
        operation.Responses ??= new OpenApiResponses();
        foreach (var response in metadata.OfType<ApiComponentResponse>())
        {
            var entry = Response(operation, response.Status, response.Description);
            entry.Content ??= new Dictionary<string, OpenApiMediaType>();
            foreach (var type in response.ContentTypes)
            {
                entry.Content[type] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(response.Component, document) };
            }
        }

        var statuses = new SortedSet<int>(metadata.OfType<ApiProblems>().SelectMany(p => p.Statuses));
        if (operation.Parameters is { Count: > 0 } || operation.RequestBody is not null)
        {
            statuses.Add(StatusCodes.Status400BadRequest);
        }

        if (operation.RequestBody?.Content?.ContainsKey("application/json") == true)
        {
            statuses.Add(StatusCodes.Status415UnsupportedMediaType);
        }

        if (authorized)
        {
            statuses.Add(StatusCodes.Status401Unauthorized);
            statuses.Add(StatusCodes.Status403Forbidden);
        }

        if (limited)
        {
            statuses.Add(StatusCodes.Status429TooManyRequests);
        }

        statuses.Add(StatusCodes.Status500InternalServerError);
        foreach (var status in statuses)
        {
            var entry = Response(operation, status, ProblemDescription(status));
            entry.Content ??= new Dictionary<string, OpenApiMediaType>();
            entry.Content[LedgerOpenApi.ProblemContentType] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(LedgerOpenApi.ProblemComponent, document) };
        }

        foreach (var header in metadata.OfType<ApiResponseHeader>())
        {
            var entry = Response(operation, header.Status, ReasonPhrases.GetReasonPhrase(header.Status));
            entry.Headers ??= new Dictionary<string, IOpenApiHeader>();
            entry.Headers[header.Name] = new OpenApiHeader { Description = header.Description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }
    }

    private static OpenApiResponse Response(OpenApiOperation operation, int status, string description)
    {
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
        {
            return response;
        }

        response = new OpenApiResponse { Description = description };
        operation.Responses[key] = response;
        return response;
    }

    private static string ProblemDescription(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "A field is not valid (`field` names it) or the body is not valid JSON.",
        StatusCodes.Status401Unauthorized => "No token, or an invalid or expired one.",
        StatusCodes.Status403Forbidden => "The token's role may not call this operation, or it names no patient.",
        StatusCodes.Status404NotFound => "No such record for this caller.",
        StatusCodes.Status409Conflict => "A concurrent change that could not be retried, or a state that does not allow the command.",
        StatusCodes.Status412PreconditionFailed => "If-Match named a version that is no longer current.",
        StatusCodes.Status413PayloadTooLarge => "The body is over the limit.",
        StatusCodes.Status415UnsupportedMediaType => "The body is not of a media type the operation accepts.",
        StatusCodes.Status422UnprocessableEntity => "The ledger refused the command; `code` is the stable rejection code.",
        StatusCodes.Status429TooManyRequests => "Over the rate limit of the share link, the caller or the delivering organisation; `Retry-After` says when to try again.",
        StatusCodes.Status500InternalServerError => "An unexpected error; it was logged without personal or medical data.",
        StatusCodes.Status503ServiceUnavailable => "The ledger cannot serve now.",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    /// <summary><c>GET api/v1/patients/me/documents/{id}</c> → <c>getPatientsMeDocumentsById</c> (when the endpoint has no name).</summary>
    private static string OperationId(string method, string path)
    {
        var name = new StringBuilder(method.ToLowerInvariant());
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s is not ("api" or "v1")))
        {
            var word = segment.StartsWith('{') ? "By" + segment.Trim('{', '}').Split(':')[0] : segment;
            foreach (var part in word.Split('-', StringSplitOptions.RemoveEmptyEntries))
            {
                name.Append(char.ToUpperInvariant(part[0])).Append(part[1..]);
            }
        }

        return name.ToString();
    }
}
