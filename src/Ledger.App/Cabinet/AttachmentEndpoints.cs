using Ledger.App.AccessJournal;
using Ledger.App.Consents;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Ingestion;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Web;
using Ledger.Domain.Access;
using Ledger.Domain.Results;
using Ledger.EventStore.Protection;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Net.Http.Headers;

namespace Ledger.App.Cabinet;

/// <summary>
/// The original files of a document, exactly as the sender delivered them:
/// <c>/api/v1/patients/me/documents/{id}/attachments/{index}</c> (the patient, by bearer token or the cabinet's cookie)
/// and <c>/api/v1/shared/{token}/documents/{id}/attachments/{index}</c> (a share link whose consent covers the
/// document). Attachments are numbered from 1 in the order <see cref="AttachmentFiles.Listed"/> gives. The bytes are
/// checked against the SHA-256 the document recorded on every read; every read is an access event.
/// </summary>
public static class AttachmentEndpoints
{
    /// <summary>The cabinet's address of a document's attachment.</summary>
    public static string PatientPath(Guid documentId, int index) => $"/api/v1/patients/me/documents/{documentId}/attachments/{index}";

    /// <summary>The share link's address of a document's attachment.</summary>
    public static string SharedPath(string token, Guid documentId, int index) => $"/api/v1/shared/{Uri.EscapeDataString(token)}/documents/{documentId}/attachments/{index}";

    public static void MapAttachments(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/patients/me/documents/{id:guid}/attachments/{index:int}", PatientAsync)
            .RequireAuthorization(new AuthorizeAttribute(WebAuthorization.PatientPolicy) { Roles = Roles.Patient }).WithTags("Cabinet")
            .WithName("getDocumentAttachment").WithSummary("One original file of a document, as delivered; the read is recorded in the access journal")
            .Produces(StatusCodes.Status200OK, typeof(byte[]), "image/png", "image/jpeg", "application/pdf", "application/dicom").Problems(StatusCodes.Status404NotFound, StatusCodes.Status500InternalServerError);
        routes.MapGet("/api/v1/shared/{token}/documents/{id:guid}/attachments/{index:int}", SharedAsync)
            .AllowAnonymous().WithTags("Consents")
            .WithName("getSharedDocumentAttachment").WithSummary("One original file of a document in the link's scope while its consent is active")
            .Produces(StatusCodes.Status200OK, typeof(byte[]), "image/png", "image/jpeg", "application/pdf", "application/dicom")
            .Problems(StatusCodes.Status403Forbidden, StatusCodes.Status404NotFound, StatusCodes.Status500InternalServerError);
    }

    private static async Task<IResult> PatientAsync(Guid id, int index, HttpContext http, EventStore.EventStore store, AttachmentFiles files, AccessRecorder access, ILoggerFactory logs, CancellationToken ct)
    {
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return PatientHttp.Forbidden("the token names no patient");
        }

        if (await DocumentReader.LoadAsync(store, id, me, ct) is not { } loaded || Pick(loaded, index) is not { } attachment)
        {
            return PatientHttp.NotFound("no such attachment in this cabinet");
        }

        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(http.User), loaded.State.DocumentId, "download attachment", null, AccessChannel.Web, PatientHttp.SourceAddress(http)), cancellationToken: ct);
        return await ServeAsync(http, store, files, loaded, attachment, index, logs, ct);
    }

    private static async Task<IResult> SharedAsync(string token, Guid id, int index, HttpContext http, EventStore.EventStore store, ShareLinkAccess links, AttachmentFiles files, ILoggerFactory logs, CancellationToken ct)
    {
        var outcome = await links.DocumentAsync(token, id, PatientHttp.SourceAddress(http), ct, "download attachment");
        if (outcome is { Consent: null })
        {
            return PatientHttp.NotFound("no such link");
        }

        if (outcome.Refusal is { } refusal)
        {
            return PatientHttp.Forbidden("the consent behind this link is not active", refusal);
        }

        return outcome is { NotFound: false, Value: { } loaded } && Pick(loaded, index) is { } attachment
            ? await ServeAsync(http, store, files, loaded, attachment, index, logs, ct)
            : PatientHttp.NotFound("no such attachment under this link");
    }

    private static Attachment? Pick(LoadedDocument loaded, int index)
    {
        var listed = AttachmentFiles.Listed(loaded.State.Current!);
        return index >= 1 && index <= listed.Count ? listed[index - 1] : null;
    }

    private static async Task<IResult> ServeAsync(HttpContext http, EventStore.EventStore store, AttachmentFiles files, LoadedDocument loaded, Attachment attachment, int index, ILoggerFactory logs, CancellationToken ct)
    {
        byte[]? bytes;
        try
        {
            bytes = await files.ReadAsync(await SubjectsAsync(store, loaded.State, ct), attachment.Sha256, ct);
        }
        catch (AttachmentIntegrityException e)
        {
            // Ids and the hash only: never the file, never the patient's data.
            logs.CreateLogger(typeof(AttachmentEndpoints)).LogError("Attachment {Index} of document {DocumentId} failed its integrity check: {Reason}", index, loaded.State.DocumentId.Value, e.Message);
            return ProblemTypes.Problem(StatusCodes.Status500InternalServerError, ProblemTypes.Integrity, "Integrity check failed", "the stored file does not match the SHA-256 its document recorded");
        }

        if (bytes is null)
        {
            return PatientHttp.NotFound("the original file is not kept");
        }

        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        // A PDF gets the pages' policy, not a CSP sandbox: Chromium refuses to run its PDF viewer in a sandboxed
        // document, so a sandboxed PDF would not open at all.
        var disposition = new ContentDispositionHeaderValue(attachment.ContentType == AttachmentContentType.Dicom ? "attachment" : "inline");
        disposition.SetHttpFileName(FileName(attachment, index));
        headers.ContentDisposition = disposition.ToString();
        return TypedResults.Bytes(bytes, Fhir.Resources.DocumentReferenceResource.MediaType(attachment.ContentType));
    }

    /// <summary>
    /// The subjects whose key may hold the document's files: its patient, and the identifier digest it arrived under
    /// when it waited for a cabinet (its first event names it).
    /// </summary>
    public static async Task<IReadOnlyList<Guid>> SubjectsAsync(EventStore.EventStore store, ResultState state, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(state);
        var subjects = new List<Guid>();
        if (state.Patient?.PatientId is { } patient)
        {
            subjects.Add(patient.Value);
        }

        var first = await store.ReadStreamAsync(Ledger.Domain.StreamIds.Result(state.DocumentId), 1, EventStore.ReadDirection.Forward, 1, ct);
        if (first.Count == 1 && !first[0].IsErased && store.Deserialize(first[0]) is IResultEvent arrived && arrived.Patient.IdentifierDigest is { } digest)
        {
            subjects.Add(KeyedIdentifierHash.ToGuid(digest));
        }

        return subjects;
    }

    /// <summary>The delivered file name without path or control characters; a name of the ledger's own when none was sent.</summary>
    public static string FileName(Attachment attachment, int index)
    {
        ArgumentNullException.ThrowIfNull(attachment);
        var extension = attachment.ContentType switch
        {
            AttachmentContentType.Pdf => ".pdf",
            AttachmentContentType.Jpeg => ".jpg",
            AttachmentContentType.Png => ".png",
            _ => ".dcm",
        };
        var name = new string((attachment.FileName ?? string.Empty).Select(c => char.IsControl(c) || c is '/' or '\\' or '"' ? '_' : c).ToArray()).Trim().TrimStart('.');
        if (name.Length == 0)
        {
            return "attachment-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + extension;
        }

        name = name.Length > 120 ? name[..120] : name;
        return Path.HasExtension(name) ? name : name + extension;
    }
}
