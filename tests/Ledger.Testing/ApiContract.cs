using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Ledger.Testing;

/// <summary>
/// The ledger's OpenAPI document as a test oracle: finds the operation a request addressed and checks a response
/// against it: the status is documented, the media type is one the response declares, a JSON body validates
/// against the schema of that status and media type, and any error on a route the document does not know is a
/// ledger problem.
/// </summary>
public sealed class ApiContract
{
    public const string DocumentPath = "/openapi/v1.json";
    private const string ProblemMediaType = "application/problem+json";

    private static readonly ConcurrentDictionary<Uri, Lazy<Task<ApiContract>>> Loaded = new();
    private static readonly ConcurrentDictionary<string, ApiContract> ByText = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, JsonSchema> schemas = new(StringComparer.Ordinal);
    private readonly List<(string Path, string[] Segments, JsonObject Item)> paths;
    private readonly string componentsId = $"urn:uuid:{Guid.NewGuid():D}";

    public ApiContract(string documentJson)
    {
        Document = JsonNode.Parse(documentJson)!.AsObject();
        paths = [.. Document["paths"]!.AsObject().Select(p => (p.Key, Segments(p.Key), p.Value!.AsObject()))];

        // The components once, as one schema resource whose $defs every compiled schema refers to.
        var components = (Document["components"]?["schemas"] ?? new JsonObject()).ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        JsonSchema.FromText($$"""{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"{{componentsId}}","$defs":{{components}}}""");
    }

    public JsonObject Document { get; }

    /// <summary>The document as the running ledger at <paramref name="address"/> serves it (fetched once per address).</summary>
    public static Task<ApiContract> OfAsync(Uri address) =>
        Loaded.GetOrAdd(address, a => new Lazy<Task<ApiContract>>(async () =>
        {
            using var http = new HttpClient { BaseAddress = a };
            using var response = await http.GetAsync(new Uri(DocumentPath, UriKind.Relative));
            response.EnsureSuccessStatusCode();

            // Every host of a test run serves the same document: its schemas are compiled once.
            return ByText.GetOrAdd(await response.Content.ReadAsStringAsync(), text => new ApiContract(text));
        })).Value;

    /// <summary>Every documented operation as (METHOD, path).</summary>
    public IEnumerable<(string Method, string Path)> Operations() =>
        paths.SelectMany(p => p.Item.Where(o => o.Key is "get" or "put" or "post" or "delete" or "patch" or "head" or "options").Select(o => (o.Key.ToUpperInvariant(), p.Path)));

    /// <summary>The documented operation a request to <paramref name="path"/> with <paramref name="method"/> addresses.</summary>
    public (string Path, JsonObject Operation)? Find(string method, string path)
    {
        ArgumentNullException.ThrowIfNull(method);
        var segments = Segments(path);
        var matches = paths
            .Where(p => p.Segments.Length == segments.Length && p.Segments.Zip(segments).All(s => IsTemplate(s.First) ? s.Second.Length > 0 : string.Equals(s.First, s.Second, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(p => p.Segments.Count(IsTemplate))
            .ToList();
        foreach (var match in matches)
        {
            if (match.Item[method.ToLowerInvariant()] is JsonObject operation)
            {
                return (match.Path, operation);
            }
        }

        return null;
    }

    /// <summary>What is wrong with a response to <paramref name="method"/> <paramref name="path"/> by the document; empty when nothing.</summary>
    public IReadOnlyList<string> Check(string method, string path, int status, string? mediaType, string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var found = Find(method, path);
        var statusText = status.ToString(CultureInfo.InvariantCulture);
        if (found is null)
        {
            // No operation answers there (an unknown route, another method): only a ledger problem may come back.
            if (status < 400)
            {
                return [$"{method} {path} answered {statusText}, but the document has no such operation"];
            }

            return mediaType != ProblemMediaType
                ? [$"{method} {path} (no such operation) answered {statusText} as {mediaType ?? "no body"}, not {ProblemMediaType}"]
                : Validate($"#/components/schemas/Problem", new JsonObject { ["$ref"] = "#/components/schemas/Problem" }, body);
        }

        var (template, operation) = found.Value;
        var name = $"{method} {template}";
        var responses = operation["responses"]?.AsObject();
        var response = responses?[statusText] ?? responses?[statusText[0] + "XX"] ?? responses?["default"];
        if (response is null)
        {
            return [$"{name} answered {statusText}, which the document does not list (it lists {string.Join(", ", responses?.Select(r => r.Key) ?? [])})"];
        }

        var content = response["content"]?.AsObject();
        if (body.Length == 0)
        {
            return content is { Count: > 0 } && status >= 400 ? [$"{name} answered {statusText} without a body; the document says {string.Join(", ", content.Select(c => c.Key))}"] : [];
        }

        if (content is null || mediaType is null || content[mediaType] is not JsonObject media)
        {
            return [$"{name} answered {statusText} as {mediaType ?? "no media type"}; the document says {(content is null ? "no body" : string.Join(", ", content.Select(c => c.Key)))}"];
        }

        if (!IsJson(mediaType) || media["schema"] is not JsonNode schema)
        {
            return [];
        }

        return Validate($"{name} {statusText} {mediaType}", schema, body);
    }

    /// <summary>The errors of <paramref name="json"/> against a schema of the document (references resolved in its components).</summary>
    public IReadOnlyList<string> Validate(string key, JsonNode schema, string json)
    {
        ArgumentNullException.ThrowIfNull(schema);
        JsonDocument instance;
        try
        {
            instance = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            return [$"{key}: the body is not JSON ({e.Message})"];
        }

        using (instance)
        {
            var compiled = schemas.GetOrAdd(key, _ => Compile(schema));
            var results = compiled.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (results.IsValid)
            {
                return [];
            }

            var errors = (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{key}: at '{d.InstanceLocation}' ({d.EvaluationPath}) {e.Key}: {e.Value}"))
                .Distinct()
                .Take(20)
                .ToList();
            return errors.Count > 0 ? errors : [$"{key}: the body does not match the schema"];
        }
    }

    public static bool IsJson(string mediaType) =>
        mediaType is "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal);

    /// <summary>A schema of the document on its own, its references resolved in the components' resource.</summary>
    private JsonSchema Compile(JsonNode schema)
    {
        var target = schema.ToJsonString().Replace("#/components/schemas/", componentsId + "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText($$"""{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:uuid:{{Guid.NewGuid():D}}","allOf":[{{target}}]}""");
    }

    private static bool IsTemplate(string segment) => segment.StartsWith('{') && segment.EndsWith('}');

    private static string[] Segments(string path) =>
        Uri.UnescapeDataString(path.Split('?')[0]).Trim('/').Split('/');
}

/// <summary>Raised in a test when a response of the ledger is not what its OpenAPI document says.</summary>
public sealed class ContractViolationException : Exception
{
    public ContractViolationException(string message)
        : base(message)
    {
    }

    public ContractViolationException()
    {
    }

    public ContractViolationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// An HTTP handler for the tests' clients: every response the ledger gives is checked against its OpenAPI document
/// (<see cref="ApiContract.Check"/>), and a response the document does not describe fails the test that received it.
/// The documentation routes themselves and the FHIR API (<c>/fhir</c>, described by its CapabilityStatement) are not
/// checked. <paramref name="inner"/> sends the requests (a handler with a cookie container and no automatic redirects
/// plays a browser).
/// </summary>
public sealed class ContractCheckingHandler(Uri address, HttpMessageHandler? inner = null) : DelegatingHandler(inner ?? new SocketsHttpHandler())
{
    /// <summary>A client of the ledger at <paramref name="address"/> whose every response is checked; with a bearer token when given.</summary>
    public static HttpClient Client(Uri address, string? bearerToken = null)
    {
        var client = new HttpClient(new ContractCheckingHandler(address)) { BaseAddress = address };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var response = await base.SendAsync(request, cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        if (path.StartsWith("/openapi/", StringComparison.Ordinal) || path == "/docs" || path.StartsWith("/docs/", StringComparison.Ordinal))
        {
            return response;
        }

        // The FHIR API is described by its CapabilityStatement (GET /fhir/r4/metadata), not by the OpenAPI document.
        if (path == "/fhir" || path.StartsWith("/fhir/", StringComparison.Ordinal))
        {
            return response;
        }

        // A CORS preflight is answered by the CORS middleware for any route, not by an operation of the API.
        if (request.Method == HttpMethod.Options && request.Headers.Contains("Access-Control-Request-Method") && response.IsSuccessStatusCode)
        {
            return response;
        }

        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var contract = await ApiContract.OfAsync(address);
        var violations = contract.Check(request.Method.Method, path, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        if (violations.Count > 0)
        {
            throw new ContractViolationException(
                $"{request.Method} {path} → {(int)response.StatusCode} does not match the OpenAPI document:\n  {string.Join("\n  ", violations)}\nbody: {(body.Length > 2000 ? body[..2000] + "…" : body)}");
        }

        return response;
    }
}
