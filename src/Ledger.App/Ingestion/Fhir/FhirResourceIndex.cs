using Ledger.App.Ingestion.Parsed;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>
/// Resolves references between the resources of one document: by Bundle <c>fullUrl</c>, by
/// <c>ResourceType/id</c> (also the tail of an absolute URL), and <c>#id</c> against the referring resource's
/// <c>contained</c> list.
/// </summary>
internal sealed class FhirResourceIndex
{
    private readonly Dictionary<string, FhirNode> _byKey = new(StringComparer.Ordinal);

    public void Add(FhirNode resource, string? fullUrl)
    {
        if (fullUrl is not null)
        {
            _byKey.TryAdd(fullUrl, resource);
        }

        var type = resource.String("resourceType");
        var id = resource.String("id");
        if (type is not null && id is not null)
        {
            _byKey.TryAdd(type + "/" + id, resource);
        }
    }

    public FhirNode? Resolve(string? reference, FhirNode from)
    {
        if (reference is null)
        {
            return null;
        }

        if (reference.StartsWith('#'))
        {
            var id = reference[1..];
            foreach (var contained in from.Array("contained"))
            {
                if (contained.String("id") == id)
                {
                    return contained;
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
        if (parts.Length >= 2 && _byKey.TryGetValue(parts[^2] + "/" + parts[^1], out found))
        {
            return found;
        }

        return null;
    }

    /// <summary>The identifiers of the Patient that <paramref name="subject"/> points to, when it is in the document.</summary>
    public IReadOnlyList<PatientIdentifierCandidate> PatientIdentifiers(FhirNode? subject, FhirNode from)
    {
        var patient = Resolve(subject?.String("reference"), from);
        var list = new List<PatientIdentifierCandidate>();
        if (patient is not { } p || p.String("resourceType") != "Patient")
        {
            // A subject given only as a logical identifier.
            if (subject?.Object("identifier") is { } logical && Identifier(logical) is { } id)
            {
                list.Add(id);
            }

            return list;
        }

        foreach (var identifier in p.Array("identifier"))
        {
            if (Identifier(identifier) is { } candidate)
            {
                list.Add(candidate);
            }
        }

        return list;
    }

    private static PatientIdentifierCandidate? Identifier(FhirNode identifier)
    {
        var value = identifier.String("value");
        if (value is null)
        {
            return null;
        }

        var type = identifier.Object("type") is { } t ? FhirNode.ReadConcept(t, null).Primary?.Code : null;
        var assigner = identifier.Object("assigner")?.String("display");
        return new PatientIdentifierCandidate(value, assigner, type, identifier.String("system"));
    }
}
