using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Fhir;

/// <summary>
/// One FHIR resource type the API serves: its name, its search parameters (the CapabilityStatement lists exactly
/// these), how it is read, searched and listed for <c>$everything</c>. Adding a resource type is one such class, listed
/// in <see cref="FhirFeature"/>. Each method returns only what <see cref="FhirReader"/> may see; a resource outside it is
/// "not found".
/// </summary>
public interface IFhirResourceType
{
    ResourceType Type { get; }

    /// <summary>The resource type's own search parameters (the common ones, <c>_count</c> and <c>_offset</c>, are added).</summary>
    IReadOnlyList<FhirSearchParameter> SearchParameters { get; }

    /// <summary>The <c>_include</c> values a search takes (none by default).</summary>
    IReadOnlyList<string> Includes => [];

    /// <summary>Whether <c>{type}/{id}/_history</c> is served.</summary>
    bool HasHistory => false;

    /// <summary>Whether a share link may read it at all (the patient's own records, such as the access journal, are not).</summary>
    bool SharedWithLinks => true;

    /// <summary>The resource, or null when there is none for this reader.</summary>
    Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken);

    Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken);

    /// <summary>Every resource of this type the reader may see (<c>Patient/{id}/$everything</c>).</summary>
    Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken);

    /// <summary>Every version of the resource, newest first; null when there is no such resource for this reader.</summary>
    Task<IReadOnlyList<Resource>?> HistoryAsync(FhirReader reader, string id, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Resource>?>(null);

    /// <summary>The document the resource belongs to (the access journal names it), when its id names one.</summary>
    Guid? DocumentOf(string id) => null;
}
