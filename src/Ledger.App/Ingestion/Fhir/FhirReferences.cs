using Hl7.Fhir.Model;
using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Resolves references between the resources of one delivery: by Bundle <c>fullUrl</c>, by <c>ResourceType/id</c>
/// (also the tail of an absolute URL), and <c>#id</c> against the referring resource's <c>contained</c> list.
/// </summary>
internal sealed class FhirReferences
{
    private readonly Dictionary<string, FhirSource> _byKey = new(StringComparer.Ordinal);

    public void Add(FhirSource source, string? fullUrl)
    {
        if (fullUrl is not null)
        {
            _byKey.TryAdd(fullUrl, source);
        }

        if (FhirValues.Id(source.Resource) is { } id)
        {
            _byKey.TryAdd(source.Resource.TypeName + "/" + id, source);
        }
    }

    public FhirSource? Resolve(string? reference, FhirSource from)
    {
        if (reference is null)
        {
            return null;
        }

        if (reference.StartsWith('#'))
        {
            var id = reference[1..];
            if (from.Resource is DomainResource domain)
            {
                for (var i = 0; i < domain.Contained.Count; i++)
                {
                    if (domain.Contained[i] is { } contained && FhirValues.Id(contained) == id)
                    {
                        return new FhirSource(contained, $"{from.Path}.contained[{i}]");
                    }
                }
            }

            return null;
        }

        if (_byKey.TryGetValue(reference, out var found))
        {
            return found;
        }

        // An absolute reference whose last two segments are Type/id.
        var parts = reference.Split('/');
        return parts.Length >= 2 && _byKey.TryGetValue(parts[^2] + "/" + parts[^1], out found) ? found : null;
    }

    /// <summary>The identifiers of the Patient that <paramref name="subject"/> points to, when it is in the delivery.</summary>
    public IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers(ResourceReference? subject, FhirSource from)
    {
        var list = new List<PatientIdentifierCandidate>();
        if (Resolve(FhirValues.Reference(subject), from)?.Resource is not Patient patient)
        {
            // A subject given only as a logical identifier.
            if (subject?.Identifier is { } logical && Identifier(logical) is { } id)
            {
                list.Add(id);
            }

            return list;
        }

        foreach (var identifier in patient.Identifier)
        {
            if (identifier is not null && Identifier(identifier) is { } candidate)
            {
                list.Add(candidate);
            }
        }

        return list;
    }

    private static PatientIdentifierCandidate? Identifier(Identifier identifier)
    {
        var value = FhirValues.Text(identifier.ValueElement);
        if (value is null)
        {
            return null;
        }

        var type = identifier.Type is { } t ? FhirValues.Concept(t)?.Code : null;
        var assigner = FhirValues.Text(identifier.Assigner?.DisplayElement);
        return new PatientIdentifierCandidate(value, assigner, type, FhirValues.Text(identifier.SystemElement));
    }
}
