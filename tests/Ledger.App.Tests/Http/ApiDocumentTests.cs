using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.Http;

/// <summary>One running ledger and the OpenAPI document it serves, for the tests of the document itself.</summary>
public sealed class ApiDocumentFixture : IAsyncLifetime
{
    public LedgerHost Host { get; private set; } = null!;

    public ApiContract Contract { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await LedgerHost.StartAsync();
        Contract = await ApiContract.OfAsync(Host.Address);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// The OpenAPI document is the contract: it names exactly the routes the app serves, says who may call each and what
/// each answers, its examples are valid, docs/api.md lists the same operations and problem types, and it is written
/// out for the lint in CI (<c>LEDGER_OPENAPI_OUT</c>).
/// </summary>
public sealed partial class ApiDocumentTests(ApiDocumentFixture fixture) : IClassFixture<ApiDocumentFixture>
{
    private static readonly string[] DocumentationRoutes = ["/openapi/", "/docs"];

    /// <summary>The FHIR API: described by its CapabilityStatement (<c>/fhir/r4/metadata</c>), not by the OpenAPI document.</summary>
    private static readonly string[] FhirRoutes = ["/fhir/"];

    [Fact]
    public void Every_route_of_the_app_is_in_the_document_and_the_document_names_no_other()
    {
        var routes = Routes().Where(r => !DocumentationRoutes.Concat(FhirRoutes).Any(d => r.Path.StartsWith(d, StringComparison.Ordinal))).Select(r => $"{r.Method} {r.Path}").ToHashSet();
        var documented = fixture.Contract.Operations().Select(o => $"{o.Method} {o.Path}").ToHashSet();

        Assert.Empty(routes.Except(documented).Order());
        Assert.Empty(documented.Except(routes).Order());
        Assert.True(routes.Count >= 25, $"only {routes.Count} routes found");
    }

    [Fact]
    public void The_documentation_routes_are_left_out_of_the_document()
    {
        var documentation = Routes().Where(r => DocumentationRoutes.Any(d => r.Path.StartsWith(d, StringComparison.Ordinal))).ToList();

        Assert.Contains(documentation, r => r.Path == "/openapi/{documentName}.json");
        Assert.Contains(documentation, r => r.Path.StartsWith("/docs", StringComparison.Ordinal));
        Assert.DoesNotContain(fixture.Contract.Operations(), o => DocumentationRoutes.Any(d => o.Path.StartsWith(d, StringComparison.Ordinal)));
    }

    [Fact]
    public void The_fhir_routes_are_left_out_of_the_document()
    {
        Assert.Contains(Routes(), r => r.Path == "/fhir/r4/{type}/{id}");
        Assert.DoesNotContain(fixture.Contract.Operations(), o => FhirRoutes.Any(d => o.Path.StartsWith(d, StringComparison.Ordinal)));
    }

    [Fact]
    public void Every_operation_names_the_roles_that_may_call_it_as_the_routes_enforce_them()
    {
        var endpoints = Endpoints();
        foreach (var (method, path) in fixture.Contract.Operations())
        {
            var operation = fixture.Contract.Find(method, path)!.Value.Operation;
            var expected = ApiOperations.Roles(endpoints[$"{method} {path}"].Metadata);
            var security = operation["security"]!.AsArray();
            var documented = security.SelectMany(r => r!.AsObject().Where(s => s.Key == LedgerOpenApi.BearerScheme).SelectMany(s => s.Value!.AsArray().Select(v => v!.GetValue<string>()))).Order().ToList();
            if (expected is null)
            {
                Assert.True(security.Count == 1 && security[0]!.AsObject().Count == 0, $"{method} {path} is anonymous but its security is {security.ToJsonString()}");
                Assert.StartsWith("Anonymous.", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
            }
            else
            {
                Assert.True(expected.SequenceEqual(documented), $"{method} {path}: the route allows [{string.Join(", ", expected)}], the document says [{string.Join(", ", documented)}]");
                Assert.Contains("Roles: " + string.Join(", ", expected) + ".", operation["description"]!.GetValue<string>(), StringComparison.Ordinal);
                Assert.NotNull(operation["responses"]!["401"]);
                Assert.NotNull(operation["responses"]!["403"]);
            }
        }

        var scheme = fixture.Contract.Document["components"]!["securitySchemes"]![LedgerOpenApi.BearerScheme]!;
        Assert.Equal("http", scheme["type"]!.GetValue<string>());
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
        Assert.Equal(new[] { "admin", "support" }, Roles("POST", "/api/v1/patients"));
        Assert.Equal(new[] { "auditor" }, Roles("GET", "/api/v1/audit/streams/{id}"));
        Assert.Equal(new[] { "admin", "auditor" }, Roles("GET", "/api/v1/compliance/export"));
        Assert.Equal(new[] { "organization" }, Roles("POST", "/api/v1/ingest/fhir"));
    }

    [Fact]
    public void Every_operation_has_an_id_a_summary_a_tag_and_its_errors_as_ledger_problems()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (method, path) in fixture.Contract.Operations())
        {
            var name = $"{method} {path}";
            var operation = fixture.Contract.Find(method, path)!.Value.Operation;
            Assert.True(ids.Add(operation["operationId"]!.GetValue<string>()), $"{name}: operationId repeated");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{name} has no summary");
            Assert.Contains(operation["tags"]!.AsArray().Single()!.GetValue<string>(), LedgerOpenApi.TagNames);
            var responses = operation["responses"]!.AsObject();
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            Assert.NotNull(responses["500"]);
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                var content = response!["content"]!.AsObject();
                var problem = content[LedgerOpenApi.ProblemContentType];
                if (problem is not null)
                {
                    Assert.Equal("#/components/schemas/Problem", problem["schema"]!["$ref"]!.GetValue<string>());
                }
                else
                {
                    // The delivery endpoints answer content errors in their protocol's format.
                    Assert.StartsWith("/api/v1/ingest/", path, StringComparison.Ordinal);
                    Assert.True(content.ContainsKey("application/hl7-v2") || content.ContainsKey("application/fhir+json"), $"{name} {status}");
                }
            }

            if (operation["requestBody"]?["content"]?["application/json"] is not null)
            {
                Assert.NotNull(responses["400"]);
                Assert.NotNull(responses["415"]);
            }
        }
    }

    [Fact]
    public void The_problem_schema_lists_exactly_the_ledger_problem_types()
    {
        var types = fixture.Contract.Document["components"]!["schemas"]!["Problem"]!["properties"]!["type"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>());

        Assert.Equal(ProblemTypes.All.Order(), types.Order());
        Assert.All(ProblemTypes.All, t => Assert.StartsWith("urn:ledger:problem:", t, StringComparison.Ordinal));
    }

    [Fact]
    public void The_parameters_endpoints_read_themselves_are_documented()
    {
        var list = fixture.Contract.Find("GET", "/api/v1/patients/me/documents")!.Value.Operation;
        var parameters = list["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);

        Assert.Equal(new[] { "from", "kind", "modality", "organization", "page", "pageSize", "q", "status", "to", "type" }, parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "labReport", "instrumentalStudy", "visitProtocol", "vaccination" }, parameters["type"]["schema"]!["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("integer", parameters["pageSize"]["schema"]!["type"]!.GetValue<string>());
        var revoke = fixture.Contract.Find("POST", "/api/v1/patients/me/consents/{id}/revoke")!.Value.Operation;
        Assert.Contains(revoke["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "If-Match" && p["in"]!.GetValue<string>() == "header");
    }

    [Fact]
    public void Every_example_in_the_document_matches_its_schema()
    {
        var errors = new List<string>();
        var checkedExamples = 0;
        void Walk(JsonNode? node, string at)
        {
            if (node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], $"{at}/{i}");
                }
            }

            if (node is not JsonObject o)
            {
                return;
            }

            // A media type or a parameter has one example of its schema; a schema has a list of examples of itself.
            if (o["example"] is { } example && o["schema"] is { } schema)
            {
                errors.AddRange(fixture.Contract.Validate("example at " + at, schema, example.ToJsonString()));
                checkedExamples++;
            }

            if (o["examples"] is JsonArray examples && o["schema"] is null)
            {
                var itself = Without(o, "examples");
                foreach (var item in examples)
                {
                    errors.AddRange(fixture.Contract.Validate("example at " + at, itself, item!.ToJsonString()));
                    checkedExamples++;
                }
            }

            foreach (var (key, value) in o)
            {
                if (key is not ("example" or "examples"))
                {
                    Walk(value, $"{at}/{key}");
                }
            }
        }

        Walk(fixture.Contract.Document, "#");

        Assert.Empty(errors);
        Assert.True(checkedExamples >= 15, $"only {checkedExamples} examples");
        foreach (var type in ApiExamples.Types)
        {
            Assert.NotNull(fixture.Contract.Document["components"]!["schemas"]![type.Name]?["examples"]);
        }
    }

    [Fact]
    public async Task The_document_is_served_and_written_where_the_lint_reads_it()
    {
        var response = await fixture.Host.Http.GetAsync(new Uri(LedgerOpenApi.DocumentPath, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("3.1", JsonNode.Parse(text)!["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        if (Environment.GetEnvironmentVariable("LEDGER_OPENAPI_OUT") is { Length: > 0 } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            await File.WriteAllTextAsync(path, text);
        }
    }

    [Fact]
    public async Task The_documentation_page_reads_the_document()
    {
        var page = await fixture.Host.Http.GetAsync(new Uri(LedgerOpenApi.PagePath, UriKind.Relative));
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Docs_api_md_lists_exactly_the_operations_of_the_document()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));
        var mentioned = OperationMention().Matches(text)
            .Select(m => $"{m.Groups["method"].Value} {(m.Groups["path"].Value.StartsWith("/health", StringComparison.Ordinal) || m.Groups["path"].Value.StartsWith("/account", StringComparison.Ordinal) ? string.Empty : "/api/v1")}{m.Groups["path"].Value.TrimEnd('/')}")
            .ToHashSet();
        var documented = fixture.Contract.Operations().Select(o => $"{o.Method} {o.Path}").ToHashSet();

        Assert.Empty(documented.Except(mentioned).Order());
        Assert.Empty(mentioned.Except(documented).Order());
    }

    [Fact]
    public void Docs_api_md_describes_every_problem_type()
    {
        var text = File.ReadAllText(Path.Combine(Repository.Root, "docs", "api.md"));

        Assert.All(ProblemTypes.All, t => Assert.Contains($"`{t}`", text, StringComparison.Ordinal));
        Assert.Empty(ProblemMention().Matches(text).Select(m => m.Value).Except(ProblemTypes.All));
    }

    private List<string> Roles(string method, string path) =>
        [.. fixture.Contract.Find(method, path)!.Value.Operation["x-ledger-roles"]!.AsArray().Select(r => r!.GetValue<string>()).Order()];

    private List<(string Method, string Path)> Routes() => [.. Endpoints().Keys.Select(k => (k.Split(' ')[0], k.Split(' ')[1]))];

    /// <summary>Every route the running app serves, by <c>METHOD /path</c> (parameters by name only, no trailing slash).</summary>
    private Dictionary<string, RouteEndpoint> Endpoints()
    {
        var result = new Dictionary<string, RouteEndpoint>(StringComparer.Ordinal);
        foreach (var endpoint in fixture.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            // The cabinet's HTML pages are not the API (docs/cabinet.md); some name their methods.
            if (endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Mvc.RazorPages.PageActionDescriptor>() is not null)
            {
                continue;
            }

            var path = "/" + string.Join('/', endpoint.RoutePattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
                _ => string.Empty,
            }))));
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                result[$"{method} {(path.Length > 1 ? path.TrimEnd('/') : path)}"] = endpoint;
            }
        }

        return result;
    }

    private static JsonObject Without(JsonObject o, string key)
    {
        var copy = o.DeepClone().AsObject();
        copy.Remove(key);
        return copy;
    }

    [GeneratedRegex(@"`(?<method>GET|POST|PUT|DELETE|PATCH) (?<path>/[^`?\s]*)[^`]*`")]
    private static partial Regex OperationMention();

    [GeneratedRegex(@"urn:ledger:problem:[a-z-]+")]
    private static partial Regex ProblemMention();
}

/// <summary>The checkout's root (the folder with Ledger.sln).</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Ledger.sln not found above " + AppContext.BaseDirectory);
    }
}
