using System.Text;
using System.Text.RegularExpressions;
using Hl7.Fhir.Serialization;
using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Fhir;
using Ledger.App.Http;
using Ledger.App.Ingestion;
using Ledger.App.Http.OpenApi;
using Ledger.App.MedicalCard;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Web;
using Ledger.Domain;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Microsoft.AspNetCore.Authorization;

namespace Ledger.App.Downloads;

/// <summary>
/// <c>/api/v1/patients/me/downloads/…</c>: the caller's documents as PDF, FHIR R4 (JSON or XML) and ZIP, and the
/// medical card as PDF; <c>/api/v1/signing-key</c>: the public key that checks them. Every file is signed
/// (<see cref="FileSigner"/>): a single file carries its signature in <see cref="FileSigner.Header"/>, and the same
/// request with <c>signature</c> answers the detached <c>.sig</c> of the same bytes (the renderings are deterministic
/// for a ledger state); a ZIP has a <c>.sig</c> beside every file. Each downloaded document is an access event, recorded
/// before the file is returned. Authorized by the cabinet's policy, so the pages' sign-in works here as the token does.
/// </summary>
public static partial class DownloadsEndpoints
{
    public const string Root = "/api/v1/patients/me/downloads";
    private const string PdfType = "application/pdf";
    private const string ZipType = "application/zip";
    private const string SignatureType = "application/octet-stream";

    public static void MapDownloads(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup(Root).RequireAuthorization(new AuthorizeAttribute(WebAuthorization.PatientPolicy) { Roles = Roles.Patient }).WithTags("Downloads");
        Signed(group.MapGet("/pdf", PdfAsync)
            .WithName("downloadPdf").WithSummary("One document or a selection as one PDF (fonts embedded); each document's download is recorded in the access journal")
            .AnswersWith(StatusCodes.Status200OK, "The PDF, or with signature its detached DER signature.", DownloadSchemas.File, PdfType, SignatureType)
            .Parameters(DownloadSelection.Document with { Required = true }, DownloadSelection.Signature));
        Signed(group.MapGet("/fhir", FhirAsync)
            .WithName("downloadFhir").WithSummary("A FHIR R4 Bundle of the chosen documents (without document: the whole record, as $everything); each document's download is recorded")
            .AnswersWith(StatusCodes.Status200OK, "The Bundle, or with signature its detached DER signature.", DownloadSchemas.Bundle, FhirFormats.JsonMediaType, FhirFormats.XmlMediaType)
            .AnswersWith(StatusCodes.Status200OK, "The Bundle, or with signature its detached DER signature.", DownloadSchemas.File, SignatureType)
            .Parameters(DownloadSelection.Document, new ApiParameter("format", "The Bundle's format (default json).", Values: ["json", "xml"]), DownloadSelection.Signature));
        Signed(group.MapGet("/zip", ZipAsync)
            .WithName("downloadZip").WithSummary("A ZIP of the chosen documents: a PDF each, the FHIR Bundle, a signature beside every file, the public key and a README")
            .AnswersWith(StatusCodes.Status200OK, "The ZIP; the signatures of its files are inside it, its own in the Ledger-Signature header.", DownloadSchemas.File, ZipType)
            .Parameters(DownloadSelection.Document with { Required = true }));
        Signed(group.MapGet("/medical-card.pdf", MedicalCardAsync)
            .WithName("downloadMedicalCard").WithSummary("The medical card (conditions, allergies, vaccinations) as PDF, patient-reported entries marked; the download is recorded")
            .AnswersWith(StatusCodes.Status200OK, "The PDF, or with signature its detached DER signature.", DownloadSchemas.File, PdfType, SignatureType)
            .Parameters(DownloadSelection.Signature));
        routes.MapGet("/api/v1/signing-key", (FileSigner signer, HttpContext http) =>
            {
                http.Response.Headers["Ledger-Key-Id"] = signer.KeyId;
                return Results.Text(signer.PublicKeyPem, "application/x-pem-file", Encoding.ASCII);
            })
            .AllowAnonymous().WithTags("Downloads")
            .WithName("getSigningKey").WithSummary("The public key (PEM) that checks the signatures of downloads and of the signed checkpoints")
            .AnswersWith(StatusCodes.Status200OK, "The public key, SubjectPublicKeyInfo PEM.", DownloadSchemas.File, "application/x-pem-file")
            .Header(StatusCodes.Status200OK, "Ledger-Key-Id", "The key id: the first 16 hex digits of the SHA-256 of the key's SubjectPublicKeyInfo.");
    }

    private static RouteHandlerBuilder Signed(RouteHandlerBuilder builder) => builder
        .Header(StatusCodes.Status200OK, FileSigner.Header, "keyid=KEY-ID; sig=BASE64: the DER ECDSA P-256 signature of the file's bytes (SHA-256).")
        .Header(StatusCodes.Status200OK, "Content-Disposition", "attachment, with the file's name.")
        .Problems(StatusCodes.Status404NotFound);

    private static async Task<IResult> PdfAsync(HttpContext http, DownloadServices services, CancellationToken ct)
    {
        var (request, refusal) = await services.BeginAsync(http, required: true, ct);
        if (request is null)
        {
            return refusal!;
        }

        var bytes = services.Pdf.Documents(request.PatientName, request.Documents);
        await services.RecordAsync(http, request, request.Documents.Select(d => d.Id), "download pdf", ct);
        return services.File(http, request, bytes, PdfType, FileName(request.Documents, "pdf"));
    }

    private static async Task<IResult> FhirAsync(HttpContext http, DownloadServices services, CancellationToken ct)
    {
        var format = http.Request.Query["format"].ToString() switch
        {
            "" or "json" => FhirFormat.Json,
            "xml" => FhirFormat.Xml,
            _ => (FhirFormat?)null,
        };
        if (format is null)
        {
            return ProblemTypes.Invalid("format", "json or xml");
        }

        var (request, refusal) = await services.BeginAsync(http, required: false, ct);
        if (request is null)
        {
            return refusal!;
        }

        var bundle = await services.Fhir.ForDownloadAsync(request.Patient, FhirEndpoints.BaseUrl(http, shared: false), request.Documents.Count == 0 ? null : request.Documents.Select(d => d.Id).ToList(), ct);
        var (bytes, type, extension) = format == FhirFormat.Xml
            ? (Encoding.UTF8.GetBytes(bundle.ToXml()), FhirFormats.XmlMediaType, "xml")
            : (Encoding.UTF8.GetBytes(bundle.ToJson()), FhirFormats.JsonMediaType, "json");
        var ids = request.Documents.Count == 0 ? FhirEverything.DocumentsOf(bundle) : request.Documents.Select(d => d.Id).ToList();
        await services.RecordAsync(http, request, ids, "download fhir " + extension, ct, wholeRecord: request.Documents.Count == 0);
        var name = request.Documents.Count == 0 ? "fhir-record." + extension : "fhir-" + Path.GetFileNameWithoutExtension(FileName(request.Documents, extension)) + "." + extension;
        return services.File(http, request, bytes, type, name);
    }

    private static async Task<IResult> ZipAsync(HttpContext http, DownloadServices services, CancellationToken ct)
    {
        // ECDSA signatures are randomised, so the .sig entries make every ZIP differ: a ZIP has no detached variant.
        if (http.Request.Query.ContainsKey("signature"))
        {
            return ProblemTypes.Invalid("signature", "a ZIP carries a .sig beside every file inside it, and its own signature in the Ledger-Signature header");
        }

        var (request, refusal) = await services.BeginAsync(http, required: true, ct);
        if (request is null)
        {
            return refusal!;
        }

        var zip = new SignedZip(services.Signer, request.Documents.Max(d => d.EventAt));
        foreach (var document in request.Documents)
        {
            foreach (var file in await services.PerDocumentAsync(request, document, ct))
            {
                zip.Add(file);
            }
        }

        var bundle = await services.Fhir.ForDownloadAsync(request.Patient, FhirEndpoints.BaseUrl(http, shared: false), request.Documents.Select(d => d.Id).ToList(), ct);
        zip.Add(new DownloadFile("fhir-bundle.json", Encoding.UTF8.GetBytes(bundle.ToJson())));
        var bytes = zip.Build();
        await services.RecordAsync(http, request, request.Documents.Select(d => d.Id), "download zip", ct);
        return services.File(http, request, bytes, ZipType, FileName(request.Documents, "zip"));
    }

    private static async Task<IResult> MedicalCardAsync(HttpContext http, DownloadServices services, MedicalCardQueries card, CabinetQueries cabinet, CancellationToken ct)
    {
        if (!http.Request.Query.Keys.All(k => k == "signature"))
        {
            return ProblemTypes.Invalid(http.Request.Query.Keys.First(k => k != "signature"), "the medical card takes no parameter but signature");
        }

        var (request, refusal) = await services.BeginAsync(http, required: false, ct);
        if (request is null)
        {
            return refusal!;
        }

        var ids = new List<Guid>();
        for (var page = 1; ; page++)
        {
            var list = await cabinet.ListAsync(request.Patient.Value, new CabinetFilter(Type: "vaccination", Page: page, PageSize: CabinetFilter.MaxPageSize), null, null, ct);
            ids.AddRange(list.Items.Select(i => i.DocumentId));
            if (ids.Count >= list.Total || list.Items.Count == 0)
            {
                break;
            }
        }

        var (vaccinations, _) = await DownloadSelection.LoadAsync(services.Store, services.Organizations, request.Patient, ids, ct);
        var chronological = (vaccinations ?? []).OrderBy(v => v.EventAt).ThenBy(v => v.Id).ToList();
        var bytes = services.Pdf.MedicalCard(request.PatientName, await card.GetAsync(request.Patient.Value, cancellationToken: ct), chronological);
        await services.RecordAsync(http, request, [], "download medical card pdf", ct, wholeRecord: true);
        return services.File(http, request, bytes, PdfType, "medical-card.pdf");
    }

    /// <summary>A file name: the type and number of one document, or the count of a selection (ASCII letters, digits, '-', '.', '_').</summary>
    internal static string FileName(IReadOnlyList<DownloadDocument> documents, string extension) =>
        documents.Count == 1
            ? $"{documents[0].Detail.DocumentType}-{Unsafe().Replace(documents[0].Number, "_")}.{extension}"
            : $"documents-{documents.Count}.{extension}";

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex Unsafe();
}

/// <summary>A download being answered: the caller, their name as the files show it, and the documents in the order asked.</summary>
public sealed record DownloadRequest(PatientId Patient, string PatientName, IReadOnlyList<DownloadDocument> Documents, bool Signature);

/// <summary>What the download endpoints share: reading the request, the renderers, the signature, the access events.</summary>
public sealed class DownloadServices(
    EventStore.EventStore store, OrganizationDirectory organizations, DocumentPdf pdf, FhirEverything fhir, FileSigner signer, AccessRecorder access, AttachmentFiles files)
{
    /// <summary>
    /// The files a ZIP holds for each document, one source per line: the rendering as PDF, and the laboratory's original
    /// files exactly as delivered (under <c>original/</c>, named as <c>GET …/attachments/{index}</c> names them).
    /// </summary>
    private IReadOnlyList<Func<DownloadRequest, DownloadDocument, CancellationToken, Task<IReadOnlyList<DownloadFile>>>> PerDocument =>
    [
        (request, document, _) => Task.FromResult<IReadOnlyList<DownloadFile>>([new DownloadFile(Folder(document) + "/" + DownloadsEndpoints.FileName([document], "pdf"), pdf.Documents(request.PatientName, [document]))]),
        (_, document, ct) => OriginalsAsync(document, ct),
    ];

    /// <summary>The delivered files of a document that are kept (checked against their SHA-256 as every read is).</summary>
    private async Task<IReadOnlyList<DownloadFile>> OriginalsAsync(DownloadDocument document, CancellationToken ct)
    {
        var listed = document.State.Current is { } content ? AttachmentFiles.Listed(content) : [];
        if (listed.Count == 0)
        {
            return [];
        }

        var subjects = await AttachmentEndpoints.SubjectsAsync(store, document.State, ct);
        var originals = new List<DownloadFile>();
        for (var i = 0; i < listed.Count; i++)
        {
            if (await files.ReadAsync(subjects, listed[i].Sha256, ct) is { } bytes)
            {
                originals.Add(new DownloadFile($"{Folder(document)}/original/{i + 1}-{AttachmentEndpoints.FileName(listed[i], i + 1)}", bytes));
            }
        }

        return originals;
    }

    public EventStore.EventStore Store => store;

    public OrganizationDirectory Organizations => organizations;

    public DocumentPdf Pdf => pdf;

    public FhirEverything Fhir => fhir;

    public FileSigner Signer => signer;

    /// <summary>The request read and checked, or the problem that refuses it.</summary>
    public async Task<(DownloadRequest? Request, IResult? Refusal)> BeginAsync(HttpContext http, bool required, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (PatientHttp.Me(http.User) is not { } me)
        {
            return (null, PatientHttp.Forbidden("the credentials name no patient"));
        }

        var (signature, badSignature) = DownloadSelection.WantsSignature(http.Request);
        var (ids, badIds) = DownloadSelection.Parse(http.Request, required);
        if ((badSignature ?? badIds) is { } problem)
        {
            return (null, problem);
        }

        var (documents, missing) = await DownloadSelection.LoadAsync(store, organizations, me, ids!, ct);
        if (missing is not null)
        {
            return (null, missing);
        }

        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(me), cancellationToken: ct);
        if (state.Erased || !state.Registered)
        {
            return (null, PatientHttp.NotFound("no patient record for these credentials"));
        }

        var name = state.Name is { } n ? string.Join(" ", new[] { n.Surname, n.GivenName, n.Patronymic }.OfType<string>()) : "—";
        return (new DownloadRequest(me, name, documents!, signature), null);
    }

    public async Task<IReadOnlyList<DownloadFile>> PerDocumentAsync(DownloadRequest request, DownloadDocument document, CancellationToken ct)
    {
        var files = new List<DownloadFile>();
        foreach (var source in PerDocument)
        {
            files.AddRange(await source(request, document, ct));
        }

        return files;
    }

    /// <summary>One access event per document (one naming no document for the whole record), before anything is returned.</summary>
    public async Task RecordAsync(HttpContext http, DownloadRequest request, IEnumerable<Guid> documents, string purpose, CancellationToken ct, bool wholeRecord = false)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(documents);
        purpose += request.Signature ? " signature" : string.Empty;
        var actor = PatientHttp.ActorOf(http.User);
        var source = PatientHttp.SourceAddress(http);
        if (wholeRecord)
        {
            await access.AccessedAsync(new AccessEntry(request.Patient, actor, null, purpose, null, AccessChannel.Web, source), cancellationToken: ct);
        }

        foreach (var id in documents)
        {
            await access.AccessedAsync(new AccessEntry(request.Patient, actor, new DocumentId(id), purpose, null, AccessChannel.Web, source), cancellationToken: ct);
        }
    }

    /// <summary>The file (its signature in the header), or its detached signature; never cached, always an attachment.</summary>
    public IResult File(HttpContext http, DownloadRequest request, byte[] bytes, string contentType, string fileName)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(request);
        var signature = signer.Sign(bytes);
        http.Response.Headers.CacheControl = "no-store";
        if (request.Signature)
        {
            return Results.File(signature, "application/octet-stream", fileName + SignedZip.SignatureSuffix);
        }

        http.Response.Headers[FileSigner.Header] = signer.HeaderValue(signature);
        return Results.File(bytes, contentType, fileName);
    }

    private static string Folder(DownloadDocument document) =>
        $"{Web.Labels.IsoDate(document.EventAt)}-{document.Detail.DocumentType}-{document.Id.ToString("N")[..8]}";
}
