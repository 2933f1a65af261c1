using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.AccessJournal;
using Ledger.App.Http;
using Ledger.App.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;

namespace Ledger.App.Fhir;

/// <summary>
/// <c>/fhir/r4</c> (the patient's bearer token) and <c>/fhir/r4/shared/{token}</c> (a doctor's share link): metadata,
/// read, search, history and vread, <c>Patient/{id}/$everything</c>. Every answer is a FHIR resource in JSON or XML
/// (<see cref="FhirFormats"/>); every refusal an OperationOutcome. Every read of the record appends one access event
/// before the content is returned (the patient: channel api; a link: the consented doctor, channel shareLink; a link's
/// refusal: AccessDenied). The routes are described by the CapabilityStatement, not by the OpenAPI document.
/// </summary>
public static class FhirEndpoints
{
    public const string Root = "/fhir/r4";
    public const string SharedRoot = "/fhir/r4/shared/{token}";

    public static void MapFhir(this IEndpointRouteBuilder routes)
    {
        Map(routes.MapGroup(Root).AllowAnonymous().ExcludeFromDescription(), shared: false);
        Map(routes.MapGroup(SharedRoot).AllowAnonymous().ExcludeFromDescription(), shared: true);
    }

    private static void Map(RouteGroupBuilder group, bool shared)
    {
        // A refusal raised while the request is read (an unknown type, a bad parameter or id): an OperationOutcome too.
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (FhirProblem problem)
            {
                return FhirFormats.Write(problem.ToOutcome(), FhirFormats.Negotiate(context.HttpContext.Request).Format ?? FhirFormat.Json, problem.Status);
            }
        });
        group.MapGet("/metadata", (HttpContext http, FhirResourceTypes types, CancellationToken ct) => Answer(http, _ => Task.FromResult<Resource>(FhirCapabilities.Build(types, BaseUrl(http, shared)))));
        group.MapGet("/Patient/{id}/$everything", (HttpContext http, string id, FhirEverything everything, FhirResourceTypes types, FhirReaders readers, AccessRecorder access, CancellationToken ct) =>
        {
            FhirDocuments.RequireId(id);
            return Read(http, shared, readers, access, "everything", null, async reader =>
                id == reader.Patient.Value.ToString("D")
                    ? await everything.BuildAsync(reader, ct)
                    : throw FhirProblem.NotFound("no Patient/" + id + " for this reader"), ct);
        });
        group.MapGet("/{type}", (HttpContext http, string type, FhirResourceTypes types, FhirReaders readers, AccessRecorder access, CancellationToken ct) =>
        {
            var resourceType = Type(types, type);
            var search = FhirSearch.Parse(http.Request.Query, resourceType.SearchParameters, resourceType.Includes);
            return Read(http, shared, readers, access, "search " + type, resourceType, async reader =>
                FhirBundles.Searchset(reader.BaseUrl, type, search, await resourceType.SearchAsync(reader, search, search.Includes, ct), reader.Now), ct, found: false);
        });
        group.MapGet("/{type}/{id}", (HttpContext http, string type, string id, FhirResourceTypes types, FhirReaders readers, AccessRecorder access, CancellationToken ct) =>
        {
            var resourceType = Type(types, type);
            FhirDocuments.RequireId(id);
            NoParameters(http);
            return Read(http, shared, readers, access, "read " + type, resourceType, async reader =>
                await resourceType.ReadAsync(reader, id, ct) ?? throw FhirProblem.NotFound($"no {type}/{id} for this reader"), ct, resourceType.DocumentOf(id));
        });
        group.MapGet("/{type}/{id}/_history", (HttpContext http, string type, string id, FhirResourceTypes types, FhirReaders readers, AccessRecorder access, CancellationToken ct) =>
        {
            var resourceType = History(types, type);
            FhirDocuments.RequireId(id);
            NoParameters(http);
            return Read(http, shared, readers, access, "history " + type, resourceType, async reader =>
                FhirBundles.History(reader.BaseUrl, await resourceType.HistoryAsync(reader, id, ct) ?? throw FhirProblem.NotFound($"no {type}/{id} for this reader")), ct, resourceType.DocumentOf(id));
        });
        group.MapGet("/{type}/{id}/_history/{vid}", (HttpContext http, string type, string id, string vid, FhirResourceTypes types, FhirReaders readers, AccessRecorder access, CancellationToken ct) =>
        {
            var resourceType = History(types, type);
            FhirDocuments.RequireId(id);
            FhirDocuments.RequireId(vid);
            NoParameters(http);
            return Read(http, shared, readers, access, "vread " + type, resourceType, async reader =>
                (await resourceType.HistoryAsync(reader, id, ct))?.FirstOrDefault(r => r.Meta?.VersionId == vid) ?? throw FhirProblem.NotFound($"no version {vid} of {type}/{id} for this reader"), ct, resourceType.DocumentOf(id));
        });

        // Anything else under the root: an OperationOutcome too (the API reads only).
        group.MapFallback("/{**rest}", (Delegate)(Func<HttpContext, Task<IResult>>)(http =>
        {
            if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
            {
                return Answer(http, _ => throw FhirProblem.NotFound("no FHIR interaction answers at this address"));
            }

            http.Response.Headers.Allow = "GET";
            return Answer(http, _ => throw new FhirProblem(StatusCodes.Status405MethodNotAllowed, OperationOutcome.IssueType.NotSupported, $"the FHIR API only reads: {http.Request.Method} is not supported"));
        }));
    }

    /// <summary>The answer in the negotiated format; a <see cref="FhirProblem"/> as an OperationOutcome with its status.</summary>
    private static Task<IResult> Answer(HttpContext http, Func<FhirFormat, Task<Resource>> produce) =>
        AnswerWritten(http, async format => FhirFormats.Write(await produce(format), format));

    /// <summary>As <see cref="Answer"/>, for a producer that also writes the resource in the negotiated format.</summary>
    private static async Task<IResult> AnswerWritten(HttpContext http, Func<FhirFormat, Task<IResult>> produce)
    {
        var (format, status, reason) = FhirFormats.Negotiate(http.Request);
        try
        {
            if (format is null)
            {
                throw new FhirProblem(status, status == StatusCodes.Status406NotAcceptable ? OperationOutcome.IssueType.NotSupported : OperationOutcome.IssueType.Invalid, reason!, reason!.Split(':')[0]);
            }

            return await produce(format.Value);
        }
        catch (FhirProblem problem)
        {
            if (problem.Status == StatusCodes.Status401Unauthorized)
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
            }

            return FhirFormats.Write(problem.ToOutcome(), format ?? FhirFormat.Json, problem.Status);
        }
    }

    /// <summary>
    /// A read of the record: the reader resolved, the access recorded, then the content. When the request cannot fail
    /// for want of what it asks (<paramref name="found"/> false: a search, <c>$everything</c> of the reader's own
    /// Patient), the access is appended while the content is built and written, and the answer waits for both; a read
    /// by id is recorded once the resource is found.
    /// </summary>
    private static Task<IResult> Read(
        HttpContext http, bool shared, FhirReaders readers, AccessRecorder access, string purpose, IFhirResourceType? type, Func<FhirReader, Task<Resource>> produce, CancellationToken ct, Guid? document = null, bool found = true) =>
        AnswerWritten(http, async format =>
        {
            var baseUrl = BaseUrl(http, shared);
            if (!shared)
            {
                var reader = await readers.ForTokenAsync(http, baseUrl, ct);
                var entry = new AccessEntry(reader.Patient, PatientHttp.ActorOf(http.User), document is { } d ? new DocumentId(d) : null, "fhir " + purpose, null, AccessChannel.Api, PatientHttp.SourceAddress(http));
                if (!found)
                {
                    return await WhileRecordingAsync(access.AccessedAsync(entry, cancellationToken: ct), async () => FhirFormats.Write(await produce(reader), format));
                }

                var content = await produce(reader);
                await access.AccessedAsync(entry, cancellationToken: ct);
                return FhirFormats.Write(content, format);
            }

            var (linkReader, linkEntry) = await readers.ForLinkAsync(http, http.Request.RouteValues["token"]?.ToString() ?? string.Empty, baseUrl, ct);
            linkEntry = linkEntry with { Document = document is { } id ? new DocumentId(id) : null };
            if (type is { SharedWithLinks: false })
            {
                await access.DeniedAsync(linkEntry, "consent.out_of_scope", ct);
                throw FhirProblem.Forbidden($"a share link does not read {FhirResourceTypes.NameOf(type)}: it is the patient's own", "consent.out_of_scope");
            }

            if (!found)
            {
                return await WhileRecordingAsync(access.AccessedAsync(linkEntry, cancellationToken: ct), async () => FhirFormats.Write(await produce(linkReader), format));
            }

            Resource result;
            try
            {
                result = await produce(linkReader);
            }
            catch (FhirProblem problem) when (problem.Status == StatusCodes.Status404NotFound)
            {
                await access.DeniedAsync(linkEntry, "document.not_found", ct);
                throw;
            }

            await access.AccessedAsync(linkEntry, cancellationToken: ct);
            return FhirFormats.Write(result, format);
        });

    /// <summary>The answer once both it and the recording of the access are done (nothing is answered unrecorded).</summary>
    private static async Task<IResult> WhileRecordingAsync(Task recording, Func<Task<IResult>> answer)
    {
        IResult written;
        try
        {
            written = await answer();
        }
        catch
        {
            await recording;
            throw;
        }

        await recording;
        return written;
    }

    private static IFhirResourceType Type(FhirResourceTypes types, string name) =>
        types.Find(name) ?? throw new FhirProblem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported, $"the resource type {(name.Length > 64 ? name[..64] : name)} is not served (see metadata)");

    private static IFhirResourceType History(FhirResourceTypes types, string name)
    {
        var type = Type(types, name);
        return type.HasHistory ? type : throw new FhirProblem(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported, $"{name} keeps no history (see metadata)");
    }

    /// <summary>A read takes no parameters but <c>_format</c> (strict handling).</summary>
    private static void NoParameters(HttpContext http)
    {
        if (http.Request.Query.Keys.FirstOrDefault(k => k != "_format") is { } name)
        {
            throw FhirProblem.BadParameter(name, "a read takes no parameter but _format");
        }
    }

    /// <summary>The API's root as the reader reached it: <c>Ledger:Http:PublicBaseUrl</c> or the request's host, then the FHIR path (with the link for a link).</summary>
    public static string BaseUrl(HttpContext http, bool shared)
    {
        ArgumentNullException.ThrowIfNull(http);
        var settings = http.RequestServices.GetRequiredService<HttpSettings>();
        var origin = settings.PublicBaseUrl?.ToString().TrimEnd('/') ?? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
        return shared ? $"{origin}{Root}/shared/{Uri.EscapeDataString(http.Request.RouteValues["token"]?.ToString() ?? string.Empty)}" : origin + Root;
    }
}
