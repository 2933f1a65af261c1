using System.Globalization;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Results;
using Attachment = Hl7.Fhir.Model.Attachment;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>DocumentReference</c>: each file a sender delivered with an instrumental study (id <c>{documentId}-a{n}</c>, n from
/// 1 in delivery order). The attachment carries the type, the name and a <c>url</c> where the reader gets the file as
/// delivered (the cabinet's or the share link's attachment address, docs/api.md); the SHA-256 is the
/// <c>masterIdentifier</c>, an RFC 6920 <c>ni:</c> URI. No <c>data</c> (the file is fetched from the url), no <c>hash</c>
/// (R4's is SHA-1; the ledger records SHA-256 only), no <c>size</c> (the Firely validator refuses the SDK's R4
/// <c>Attachment.size</c> as an unsignedInt). The study itself is <c>context.related</c>.
/// </summary>
public sealed class DocumentReferenceResource(FhirDocuments documents) : IFhirResourceType
{
    private static readonly DocumentType[] Types = [DocumentType.InstrumentalStudy];

    public ResourceType Type => ResourceType.DocumentReference;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public Guid? DocumentOf(string id) => FhirDocuments.DocumentIdOf(id);

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        if (FhirDocuments.DocumentIdOf(id) is not { } document || id.Length < 39 || id[37] != 'a'
            || !int.TryParse(id[38..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1
            || await documents.LoadAsync(reader, document, Types, cancellationToken) is not { } state)
        {
            return null;
        }

        return (await MapAsync(reader, state, cancellationToken)).ElementAtOrDefault(n - 1);
    }

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        var all = await EverythingAsync(reader, cancellationToken);
        return new FhirPage([.. all.Skip(search.Offset).Take(search.Count)], all.Count);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var state in await documents.AllAsync(reader, Types, cancellationToken))
        {
            all.AddRange(await MapAsync(reader, state, cancellationToken));
        }

        return all;
    }

    private async Task<IReadOnlyList<DocumentReference>> MapAsync(FhirReader reader, ResultState state, CancellationToken cancellationToken)
    {
        var study = (InstrumentalStudy)state.Current!;
        var id = state.DocumentId.Value.ToString("D");
        var author = await documents.OrganizationAsync(state.Sender.Value, cancellationToken);
        return
        [
            .. study.Attachments.Select((a, i) => new DocumentReference
            {
                Id = id + "-a" + (i + 1).ToString(CultureInfo.InvariantCulture),
                MasterIdentifier = new Identifier("urn:ietf:rfc:3986", "ni:///sha-256;" + Base64Url(Convert.FromHexString(a.Sha256.Hex))),
                Status = DocumentReferenceStatus.Current,
                DocStatus = CompositionStatus.Final,
                Type = new CodeableConcept { Text = $"{study.Modality} {study.BodySite}" },
                Subject = FhirDocuments.PatientReference(reader),
                Date = FhirDocuments.At(study.PerformedAt),
                Author = [author],
                Custodian = author,
                Content =
                [
                    new DocumentReference.ContentComponent
                    {
                        Attachment = new Attachment { ContentType = MediaType(a.ContentType), Title = a.FileName, Url = FileUrl(reader, state.DocumentId.Value, i + 1) },
                    },
                ],
                Context = new DocumentReference.ContextComponent { Related = [new ResourceReference("DiagnosticReport/" + id)] },
            }),
        ];
    }

    public static string MediaType(AttachmentContentType type) => type switch
    {
        AttachmentContentType.Pdf => "application/pdf",
        AttachmentContentType.Jpeg => "image/jpeg",
        AttachmentContentType.Png => "image/png",
        AttachmentContentType.Dicom => "application/dicom",
        _ => "application/octet-stream",
    };

    /// <summary>The absolute address of the file for this reader: the cabinet's route for the patient, the link's route for a share link.</summary>
    public static string? FileUrl(FhirReader reader, Guid documentId, int index)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var root = reader.BaseUrl.IndexOf(FhirEndpoints.Root, StringComparison.Ordinal);
        if (root < 0)
        {
            return null;
        }

        var origin = reader.BaseUrl[..root];
        if (reader.IsPatient)
        {
            return origin + Cabinet.AttachmentEndpoints.PatientPath(documentId, index);
        }

        const string shared = "/shared/";
        var tail = reader.BaseUrl[(root + FhirEndpoints.Root.Length)..];
        return tail.StartsWith(shared, StringComparison.Ordinal) && tail[shared.Length..].TrimEnd('/') is { Length: > 0 } token && !token.Contains('/', StringComparison.Ordinal)
            ? origin + Cabinet.AttachmentEndpoints.SharedPath(Uri.UnescapeDataString(token), documentId, index)
            : null;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
