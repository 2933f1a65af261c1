using Ledger.App.Cabinet;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.Domain.Identifiers;

namespace Ledger.App.Downloads;

/// <summary>The documents a download names (<c>document=ID</c>, repeated), each read from its stream and checked to be the caller's.</summary>
public static class DownloadSelection
{
    public static readonly ApiParameter Document = new(
        "document", $"A document's id; repeat the parameter for a selection (at most {DownloadSettings.MaxDocuments}). Each must be one of the caller's documents.", Format: "uuid");

    public static readonly ApiParameter Signature = new(
        "signature", "Present (empty or true): answer the detached DER signature (.sig) of the file the same request answers without it, instead of the file.", Values: ["true"]);

    /// <summary>The distinct ids in the order given; a problem naming <c>document</c> when one is not an id or there are too many.</summary>
    public static (IReadOnlyList<Guid>? Ids, IResult? Problem) Parse(HttpRequest request, bool required)
    {
        ArgumentNullException.ThrowIfNull(request);
        var values = request.Query["document"];
        if (values.Count > DownloadSettings.MaxDocuments)
        {
            return (null, ProblemTypes.Invalid("document", $"at most {DownloadSettings.MaxDocuments} documents per download, not {values.Count}"));
        }

        var ids = new List<Guid>();
        foreach (var value in values)
        {
            if (!Guid.TryParse(value, out var id))
            {
                return (null, ProblemTypes.Invalid("document", "a document id (uuid)"));
            }

            if (!ids.Contains(id))
            {
                ids.Add(id);
            }
        }

        return required && ids.Count == 0 ? (null, ProblemTypes.Invalid("document", "name at least one document (document=ID)")) : (ids, null);
    }

    /// <summary>True for <c>signature</c> given empty or <c>true</c>; a problem naming it for any other value.</summary>
    public static (bool Wanted, IResult? Problem) WantsSignature(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!request.Query.TryGetValue("signature", out var value))
        {
            return (false, null);
        }

        return value.ToString() is "" or "true" ? (true, null) : (false, ProblemTypes.Invalid("signature", "empty or true"));
    }

    /// <summary>The documents, in the order asked; null with a 404 when one is not the caller's.</summary>
    public static async Task<(IReadOnlyList<DownloadDocument>? Documents, IResult? Problem)> LoadAsync(
        EventStore.EventStore store, OrganizationDirectory organizations, PatientId patient, IReadOnlyList<Guid> ids, CancellationToken cancellationToken)
    {
        var documents = new List<DownloadDocument>(ids.Count);
        foreach (var id in ids)
        {
            if (await DocumentReader.LoadAsync(store, id, patient, cancellationToken) is not { } loaded)
            {
                return (null, ProblemTypes.Problem(StatusCodes.Status404NotFound, ProblemTypes.NotFound, "Not found", $"document: no such document in this cabinet ({id:D})", new Dictionary<string, object?> { ["field"] = "document" }));
            }

            documents.Add(new DownloadDocument(loaded.State, loaded.StreamVersion, await DocumentReader.DetailAsync(loaded.State, organizations, cancellationToken)));
        }

        return (documents, null);
    }
}
