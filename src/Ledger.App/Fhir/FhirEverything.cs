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
}
