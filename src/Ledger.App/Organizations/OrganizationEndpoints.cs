using System.Net;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Organizations;
using Ledger.EventStore;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Ledger.App.Organizations;

/// <summary>Registration request: ИНН, ОГРН, type, name, registry OID, optional MLLP source addresses.</summary>
public sealed record RegisterOrganizationRequest(string? Inn, string? Ogrn, string? Type, string? Name, string? RegistryOid, IReadOnlyList<string>? MllpSources);

public sealed record SuspendOrganizationRequest(string? Reason);

/// <summary>Administration of delivering organisations under <c>/api/v1/organizations</c> (role admin).</summary>
public static class OrganizationEndpoints
{
    /// <summary>Configuration key naming the registry CSV file used to verify organisations.</summary>
    public const string RegistryKey = "Ledger:OrganizationRegistry";

    /// <summary>Environment variable naming the registry CSV file (wins over the configuration key).</summary>
    public const string RegistryVariable = "LEDGER_ORGANIZATION_REGISTRY";

    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/organizations").RequireAuthorization(p => p.RequireRole(Roles.Admin)).WithTags("Organizations");
        group.MapPost("/", RegisterAsync)
            .WithName("registerOrganization").WithSummary("Register a delivering organisation (unverified, delivery disabled)")
            .Header(StatusCodes.Status201Created, "Location", "The organisation's address.").Problems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        group.MapGet("/{id:guid}", GetAsync)
            .WithName("getOrganization").WithSummary("One organisation").Produces<OrganizationRow>().Conditional().Problems(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/verify", VerifyAsync)
            .WithName("verifyOrganization").WithSummary("Verify the organisation against the configured registry")
            .Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id:guid}/suspend", SuspendAsync)
            .WithName("suspendOrganization").WithSummary("Suspend the organisation's deliveries, with a reason")
            .Problems(StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity);
        group.MapPost("/{id:guid}/enable-delivery", EnableAsync)
            .WithName("enableDelivery").WithSummary("Allow a verified organisation to deliver").Problems(StatusCodes.Status404NotFound, StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<Results<Created<OrganizationRow>, ProblemHttpResult>> RegisterAsync(
        RegisterOrganizationRequest? request, CommandExecutor executor, OrganizationDirectory directory, HttpContext http, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return ProblemTypes.Invalid("body", "a JSON object is required");
        }

        if (!Domain.Identifiers.Inn.TryParse(request.Inn, out var inn, out var reason))
        {
            return ProblemTypes.Invalid("inn", reason);
        }

        if (!Domain.Identifiers.Ogrn.TryParse(request.Ogrn, out var ogrn, out reason))
        {
            return ProblemTypes.Invalid("ogrn", reason);
        }

        if (request.Type is null || request.Type.All(char.IsAsciiDigit) || !Enum.TryParse<OrganizationType>(request.Type, ignoreCase: true, out var type))
        {
            return ProblemTypes.Invalid("type", "one of polyclinic, laboratory, hospital");
        }

        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 500)
        {
            return ProblemTypes.Invalid("name", "1 to 500 characters");
        }

        if (!OrganizationRegistry.IsOid(request.RegistryOid))
        {
            return ProblemTypes.Invalid("registryOid", "an OID: digits separated by dots");
        }

        var sources = request.MllpSources ?? [];
        foreach (var source in sources)
        {
            if (!IPAddress.TryParse(source, out _))
            {
                return ProblemTypes.Invalid("mllpSources", $"'{source}' is not an IP address");
            }
        }

        var id = new OrganizationId(Guid.CreateVersion7());
        await executor.ExecuteAsync(
            Deciders.Organization,
            StreamIds.Organization(id),
            new RegisterOrganization(id, inn, ogrn, type, request.Name, request.RegistryOid!),
            Context(id.Value, http),
            cancellationToken);
        if (sources.Count > 0)
        {
            await directory.SetMllpSourcesAsync(id.Value, sources.Select(s => IPAddress.Parse(s).ToString()).ToList(), cancellationToken);
        }

        var row = await directory.FindAsync(id.Value, cancellationToken);
        return TypedResults.Created($"/api/v1/organizations/{id}", row);
    }

    private static async Task<IResult> GetAsync(Guid id, OrganizationDirectory directory, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        if (await directory.FindAsync(id, cancellationToken) is not { } row)
        {
            return ProblemTypes.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No such organisation", "no organisation has this id");
        }

        // The row is written with the stream's events, so the stream's version names what the row shows.
        var version = (await store.GetStreamAsync(id, cancellationToken))?.Version ?? 0;
        return Patients.PatientHttp.NotModified(http, version) ? Patients.PatientHttp.NotModifiedResult() : TypedResults.Ok(row);
    }

    private static async Task<Results<Ok<OrganizationRow>, ProblemHttpResult>> VerifyAsync(
        Guid id, CommandExecutor executor, OrganizationDirectory directory, IConfiguration configuration, HttpContext http, CancellationToken cancellationToken)
    {
        var path = Environment.GetEnvironmentVariable(RegistryVariable) ?? configuration[RegistryKey];
        if (string.IsNullOrWhiteSpace(path))
        {
            return ProblemTypes.Problem(
                StatusCodes.Status409Conflict, ProblemTypes.Conflict, "No organisation registry is configured",
                $"set {RegistryKey} or {RegistryVariable} to the path of the registry CSV (ogrn,inn,name,type,oid)");
        }

        if (!File.Exists(path))
        {
            return ProblemTypes.Problem(StatusCodes.Status409Conflict, ProblemTypes.Conflict, "The organisation registry file does not exist", $"{RegistryKey} names a file that is not there");
        }

        var registry = OrganizationRegistry.ParseCsv(await File.ReadAllTextAsync(path, cancellationToken));
        return await RunAsync(id, new VerifyOrganization(new OrganizationId(id), registry), executor, directory, http, cancellationToken);
    }

    private static Task<Results<Ok<OrganizationRow>, ProblemHttpResult>> SuspendAsync(
        Guid id, SuspendOrganizationRequest? request, CommandExecutor executor, OrganizationDirectory directory, HttpContext http, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(request?.Reason)
            ? Task.FromResult<Results<Ok<OrganizationRow>, ProblemHttpResult>>(ProblemTypes.Invalid("reason", "a suspension needs a reason"))
            : RunAsync(id, new SuspendOrganization(new OrganizationId(id), request.Reason), executor, directory, http, cancellationToken);

    private static Task<Results<Ok<OrganizationRow>, ProblemHttpResult>> EnableAsync(
        Guid id, CommandExecutor executor, OrganizationDirectory directory, HttpContext http, CancellationToken cancellationToken) =>
        RunAsync(id, new EnableDelivery(new OrganizationId(id)), executor, directory, http, cancellationToken);

    private static async Task<Results<Ok<OrganizationRow>, ProblemHttpResult>> RunAsync(
        Guid id, OrganizationCommand command, CommandExecutor executor, OrganizationDirectory directory, HttpContext http, CancellationToken cancellationToken)
    {
        if (id == Guid.Empty || await directory.FindAsync(id, cancellationToken) is null)
        {
            return ProblemTypes.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "No such organisation", "no organisation has this id");
        }

        await executor.ExecuteAsync(Deciders.Organization, StreamIds.Organization(new OrganizationId(id)), command, Context(Guid.NewGuid(), http), cancellationToken);
        return TypedResults.Ok((await directory.FindAsync(id, cancellationToken))!);
    }

    private static CommandContext Context(Guid commandId, HttpContext http) =>
        new(commandId, new EventMetadata(CorrelationId: commandId, ActorKind: Roles.Admin, ActorId: http.User.SubjectId()?.ToString("D")));
}
