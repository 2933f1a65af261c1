using System.Security.Cryptography;
using System.Text;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.Domain.Identifiers;

namespace Ledger.App.Fhir;

/// <summary>
/// <c>Patient/{id}/$everything</c>: one Bundle of every resource the reader may see, type by type in the order of
/// <see cref="FhirResourceTypes.All"/>. The web cabinet's "FHIR" download builds the same Bundle with
/// <see cref="ForPatientAsync"/>; the caller records the access.
/// </summary>
public sealed class FhirEverything(FhirResourceTypes types, FhirReaders readers)
{
    public async Task<Bundle> BuildAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var all = new List<Resource>();
        foreach (var type in types.All.Where(t => reader.IsPatient || t.SharedWithLinks))
        {
            all.AddRange(await type.EverythingAsync(reader, cancellationToken));
        }

        return FhirBundles.Everything(reader.BaseUrl, all, reader.Now);
    }

    /// <summary>The patient's whole record as a Bundle whose <c>fullUrl</c>s start with <paramref name="baseUrl"/>.</summary>
    public async Task<Bundle> ForPatientAsync(PatientId patient, string baseUrl, CancellationToken cancellationToken) =>
        await BuildAsync(await readers.ForPatientAsync(patient, baseUrl, cancellationToken), cancellationToken);

    /// <summary>The resource types that carry a document's content (their ids start with the document's id).</summary>
    private static readonly string[] DocumentTypes = ["Observation", "DiagnosticReport", "Immunization", "DocumentReference", "Provenance"];

    /// <summary>
    /// The Bundle of a download: the Patient and the resources of the chosen <paramref name="documents"/> (every
    /// resource of <c>$everything</c> when null), in the same order. So that the same ledger state gives the same bytes
    /// (and a signature fetched later is of the same file), its id is derived from the resources and their versions and
    /// its <c>meta.lastUpdated</c> is left out.
    /// </summary>
    public async Task<Bundle> ForDownloadAsync(PatientId patient, string baseUrl, IReadOnlyCollection<Guid>? documents, CancellationToken cancellationToken)
    {
        var everything = await ForPatientAsync(patient, baseUrl, cancellationToken);
        var resources = everything.Entry.Select(e => e.Resource).OfType<Resource>()
            .Where(r => documents is null || r is Patient || (DocumentTypes.Contains(r.TypeName) && FhirDocuments.DocumentIdOf(r.Id ?? string.Empty) is { } id && documents.Contains(id)))
            .ToList();
        var identity = string.Join("\n", resources.Select(r => $"{r.TypeName}/{r.Id}/{r.Meta?.VersionId}"));
        var bundle = FhirBundles.Everything(baseUrl, resources, default);
        bundle.Id = new Guid(SHA256.HashData(Encoding.UTF8.GetBytes(patient.Value.ToString("D") + "\n" + identity)).AsSpan(0, 16)).ToString("D");
        bundle.Meta = null;
        return bundle;
    }

    /// <summary>The documents whose content a Bundle carries (one id per document, in the Bundle's order).</summary>
    public static IReadOnlyList<Guid> DocumentsOf(Bundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        return bundle.Entry.Select(e => e.Resource)
            .Where(r => r is DiagnosticReport or Immunization or DocumentReference)
            .Select(r => FhirDocuments.DocumentIdOf(r!.Id ?? string.Empty))
            .OfType<Guid>()
            .Distinct()
            .ToList();
    }
}
