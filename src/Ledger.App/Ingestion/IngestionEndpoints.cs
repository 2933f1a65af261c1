using System.Buffers;
using System.Text;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Protection;

namespace Ledger.App.Ingestion;

/// <summary>
/// Delivery over HTTP: <c>POST /api/v1/ingest/hl7v2</c> and <c>POST /api/v1/ingest/fhir</c>, and the sender's explicit
/// confirmation of a document it delivered, <c>POST /api/v1/ingest/documents/{id}/confirm</c> (role organization).
/// </summary>
public static class IngestionEndpoints
{
    public const string Hl7ContentType = "application/hl7-v2";
    public const string FhirContentType = FhirMediaTypes.Json;
    public const string FhirXmlContentType = FhirMediaTypes.Xml;

    private static readonly string[] Hl7Types = [Hl7ContentType, "x-application/hl7-v2+er7", "text/plain"];
    private static readonly string[] FhirTypes = [FhirContentType, "application/json", FhirXmlContentType];

    private static readonly ApiParameter IdempotencyParameter = new(
        "Idempotency-Key", "Up to 200 characters: a repeat with the same key gets the first answer back.", ApiParameterSource.Header, Example: "delivery-2026-03-02-0042");

    public static void Map(IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/ingest").RequireAuthorization(p => p.RequireRole(Roles.Organization)).WithTags("Ingestion");
        group.MapPost("/hl7v2", Hl7Async)
            .WithName("deliverHl7v2").WithSummary("Deliver an HL7 v2 ORU^R01 message; the answer is its ACK")
            .Accepts<string>(Hl7Types[0], Hl7Types[1..])
            .AnswersWith(StatusCodes.Status200OK, "The ACK: AA when stored (or already stored), AE or AR with the ERR segment naming the field.", "Hl7Message", Hl7ContentType)
            .AnswersWith(StatusCodes.Status400BadRequest, "An AE ACK: the message is not valid; ERR names the segment and field.", "Hl7Message", Hl7ContentType)
            .AnswersWith(StatusCodes.Status413PayloadTooLarge, "An AR ACK: the message is over a limit.", "Hl7Message", Hl7ContentType)
            .AnswersWith(StatusCodes.Status422UnprocessableEntity, "An AE ACK: the ledger refuses the content.", "Hl7Message", Hl7ContentType)
            .Parameters(IdempotencyParameter).Problems(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/fhir", FhirAsync)
            .WithName("deliverFhir").WithSummary("Deliver a FHIR R4 resource or Bundle, JSON or XML; the answer is an OperationOutcome")
            .Accepts<System.Text.Json.JsonElement>(FhirTypes[0], FhirTypes[1..])
            .AnswersWith(StatusCodes.Status200OK, "Nothing new was stored (a repeat).", "OperationOutcome", FhirContentType, FhirXmlContentType)
            .AnswersWith(StatusCodes.Status201Created, "The documents were stored.", "OperationOutcome", FhirContentType, FhirXmlContentType)
            .AnswersWith(StatusCodes.Status400BadRequest, "The content is not valid; each issue names the element (FHIRPath).", "OperationOutcome", FhirContentType, FhirXmlContentType)
            .AnswersWith(StatusCodes.Status413PayloadTooLarge, "The content is over a limit.", "OperationOutcome", FhirContentType, FhirXmlContentType)
            .AnswersWith(StatusCodes.Status422UnprocessableEntity, "The ledger refuses the content (a business rule).", "OperationOutcome", FhirContentType, FhirXmlContentType)
            .Parameters(IdempotencyParameter).Problems(StatusCodes.Status415UnsupportedMediaType);
        group.MapPost("/documents/{id:guid}/confirm", ConfirmAsync)
            .WithName("confirmDocument").WithSummary("The sender confirms a final document signed by the responsible specialist outside its message")
            .Produces<DocumentConfirmed>().ETag().Parameters(ApiMetadata.IfMatch, ApiMetadata.IdempotencyKey)
            .Problems(StatusCodes.Status404NotFound, StatusCodes.Status412PreconditionFailed, StatusCodes.Status422UnprocessableEntity);
    }

    /// <summary>
    /// The responsible specialist signed a final document outside the message that delivered it: its sender moves it
    /// from ready to confirmed. 404 for a document of another sender, 422 <c>result.not_final</c> for a pending one.
    /// </summary>
    private static async Task<IResult> ConfirmAsync(Guid id, HttpContext http, DeliveryGate gate, EventStore.EventStore store, CommandExecutor executor, CancellationToken cancellationToken)
    {
        if (await GateAsync(http, gate, "http-confirm", cancellationToken) is { } refused)
        {
            return refused;
        }

        var sender = http.User.SubjectId()!.Value;
        var (state, _) = await store.AggregateAsync(Deciders.Result, StreamIds.Result(new DocumentId(id)), cancellationToken: cancellationToken);
        if (!state.Exists || state.Sender.Value != sender)
        {
            return PatientHttp.NotFound("no such document from this organisation");
        }

        if (!PatientHttp.TryIfMatch(http.Request, out var expected))
        {
            return PatientHttp.BadIfMatch();
        }

        var encryptFor = state.Patient!.PatientId?.Value ?? KeyedIdentifierHash.ToGuid(state.Patient.IdentifierDigest!);
        var commandId = PatientHttp.IdempotencyKey(http.Request, "results.confirm." + id.ToString("D")) ?? Guid.CreateVersion7();
        try
        {
            var outcome = await executor.ExecuteAsync(
                Deciders.Result,
                id,
                new ChangeResultStatus(new DocumentId(id), ResultStatus.Confirmed),
                new CommandContext(commandId, new EventMetadata(CorrelationId: commandId, ActorKind: "organization", ActorId: sender.ToString("D")), encryptFor, expected),
                cancellationToken);
            PatientHttp.SetETag(http.Response, outcome.Version);
            return TypedResults.Ok(new DocumentConfirmed(id, "confirmed", outcome.Events.Count > 0, outcome.Version));
        }
        catch (WrongExpectedVersionException e) when (expected is not null)
        {
            return PatientHttp.Stale(e);
        }
    }

    private static async Task<IResult> Hl7Async(HttpContext http, DeliveryGate gate, Hl7Ingestion ingestion, IngestionOptions options, CancellationToken cancellationToken)
    {
        if (await RefusedAsync(http, gate, "http-hl7v2", Hl7Types, cancellationToken) is { } refused)
        {
            return refused;
        }

        var body = await ReadAsync(http, options.MaxMessageBytes, cancellationToken);
        var answer = await ingestion.IngestAsync(http.User.SubjectId()!.Value, body, IdempotencyKey(http), cancellationToken);
        return Results.Text(answer.Ack, Hl7ContentType, Encoding.UTF8, answer.HttpStatus);
    }

    private static async Task<IResult> FhirAsync(HttpContext http, DeliveryGate gate, FhirIngestion ingestion, IngestionOptions options, CancellationToken cancellationToken)
    {
        if (await RefusedAsync(http, gate, "http-fhir", FhirTypes, cancellationToken) is { } refused)
        {
            return refused;
        }

        var format = string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), FhirXmlContentType, StringComparison.OrdinalIgnoreCase) ? FhirFormat.Xml : FhirFormat.Json;
        var answerFormat = AnswerFormat(http.Request, format);
        var body = await ReadAsync(http, options.MaxFhirBytes, cancellationToken);
        var answer = await ingestion.IngestAsync(http.User.SubjectId()!.Value, body, format, answerFormat, IdempotencyKey(http), cancellationToken);
        return Results.Text(answer.OperationOutcome, FhirMediaTypes.Of(answerFormat), Encoding.UTF8, answer.HttpStatus);
    }

    /// <summary>
    /// The OperationOutcome's format: the one <c>Accept</c> prefers of FHIR JSON and FHIR XML (<c>application/json</c>
    /// and <c>application/xml</c> count as them), else the delivery's own.
    /// </summary>
    private static FhirFormat AnswerFormat(HttpRequest request, FhirFormat delivered)
    {
        var best = (Format: delivered, Quality: 0.0);
        foreach (var value in request.GetTypedHeaders().Accept)
        {
            var media = value.MediaType.Value;
            FhirFormat? format = media switch
            {
                _ when string.Equals(media, FhirMediaTypes.Json, StringComparison.OrdinalIgnoreCase) || string.Equals(media, "application/json", StringComparison.OrdinalIgnoreCase) => FhirFormat.Json,
                _ when string.Equals(media, FhirMediaTypes.Xml, StringComparison.OrdinalIgnoreCase) || string.Equals(media, "application/xml", StringComparison.OrdinalIgnoreCase) => FhirFormat.Xml,
                _ => null,
            };
            var quality = value.Quality ?? 1.0;
            if (format is { } f && quality > best.Quality)
            {
                best = (f, quality);
            }
        }

        return best.Format;
    }

    private static async Task<IResult?> GateAsync(HttpContext http, DeliveryGate gate, string transport, CancellationToken cancellationToken)
    {
        var decision = await gate.CheckAsync(http.User.SubjectId(), transport, http.Connection.RemoteIpAddress?.ToString(), cancellationToken);
        if (decision.Allowed)
        {
            return null;
        }

        return decision.Unknown
            ? ProblemTypes.Problem(StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Unknown organisation", "the token names no registered organisation")
            : ProblemTypes.Problem(StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "The organisation may not deliver", $"organisation status: {decision.Reason}");
    }

    private static async Task<IResult?> RefusedAsync(HttpContext http, DeliveryGate gate, string transport, string[] contentTypes, CancellationToken cancellationToken)
    {
        if (await GateAsync(http, gate, transport, cancellationToken) is { } refused)
        {
            return refused;
        }

        var mediaType = http.Request.ContentType?.Split(';')[0].Trim();
        if (mediaType is null || !contentTypes.Contains(mediaType, StringComparer.OrdinalIgnoreCase))
        {
            return ProblemTypes.Problem(
                StatusCodes.Status415UnsupportedMediaType, ProblemTypes.Unsupported, "Unsupported content type", $"send one of {string.Join(", ", contentTypes)}");
        }

        return null;
    }

    /// <summary>Reads the body up to one byte past the limit, so that the ingestion reports the limit itself.</summary>
    private static async Task<ReadOnlyMemory<byte>> ReadAsync(HttpContext http, int limit, CancellationToken cancellationToken)
    {
        // The usual case: a declared length within the limit is read straight into an array of that size
        // (Kestrel ends the body at the declared length and fails a body cut short).
        if (http.Request.ContentLength is { } declared && declared <= limit)
        {
            var body = new byte[declared];
            var offset = 0;
            int count;
            while (offset < body.Length && (count = await http.Request.Body.ReadAsync(body.AsMemory(offset), cancellationToken)) > 0)
            {
                offset += count;
            }

            return body.AsMemory(0, offset);
        }

        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                buffer.Write(chunk, 0, read);
                if (buffer.Length > limit)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    private static string? IdempotencyKey(HttpContext http) =>
        http.Request.Headers.TryGetValue("Idempotency-Key", out var values) && values.Count == 1 && values[0] is { Length: > 0 and <= 200 } key ? key : null;
}

/// <summary>The answer to a confirmation: the document, its status, whether this request changed it, the stream's version.</summary>
public sealed record DocumentConfirmed(Guid DocumentId, string Status, bool Changed, long Version);
