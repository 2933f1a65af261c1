using Hl7.Fhir.Model;
using Instant = NodaTime.Instant;

namespace Ledger.App.Fhir;

/// <summary>
/// The Bundles the API answers with: a search page with its paging links, a history, <c>$everything</c>. Their
/// <c>meta.lastUpdated</c> is the reader's instant (<see cref="FhirReader.Now"/>, from the ledger's clock).
/// </summary>
public static class FhirBundles
{
    public static Bundle Searchset(string baseUrl, string type, FhirSearch search, FhirPage page, Instant now)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(page);
        var bundle = new Bundle { Id = Guid.NewGuid().ToString("D"), Type = Bundle.BundleType.Searchset, Total = (int)Math.Min(page.Total, int.MaxValue), Meta = new Meta { LastUpdated = now.ToDateTimeOffset() } };
        var url = $"{baseUrl}/{type}?";
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = url + search.QueryAt(search.Offset) });
        if (search.Offset + search.Count < page.Total)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = url + search.QueryAt(search.Offset + search.Count) });
        }

        if (search.Offset > 0)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "previous", Url = url + search.QueryAt(Math.Max(0, search.Offset - search.Count)) });
        }

        Add(bundle, baseUrl, page.Matches, Bundle.SearchEntryMode.Match);
        Add(bundle, baseUrl, page.Included ?? [], Bundle.SearchEntryMode.Include);
        return bundle;
    }

    /// <summary>A history: the versions newest first, each with the request that made it (create for version 1, update after).</summary>
    public static Bundle History(string baseUrl, IReadOnlyList<Resource> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        var bundle = new Bundle { Id = Guid.NewGuid().ToString("D"), Type = Bundle.BundleType.History, Total = versions.Count };
        foreach (var resource in versions)
        {
            var path = $"{resource.TypeName}/{resource.Id}";
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{path}",
                Resource = resource,
                Request = new Bundle.RequestComponent { Method = resource.Meta?.VersionId == "1" ? Bundle.HTTPVerb.POST : Bundle.HTTPVerb.PUT, Url = path },
                Response = new Bundle.ResponseComponent { Status = "200 OK", Etag = $"W/\"{resource.Meta?.VersionId}\"" },
            });
        }

        return bundle;
    }

    public static Bundle Everything(string baseUrl, IReadOnlyList<Resource> resources, Instant now)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var bundle = new Bundle { Id = Guid.NewGuid().ToString("D"), Type = Bundle.BundleType.Searchset, Total = resources.Count, Meta = new Meta { LastUpdated = now.ToDateTimeOffset() } };
        Add(bundle, baseUrl, resources, Bundle.SearchEntryMode.Match);
        return bundle;
    }

    private static void Add(Bundle bundle, string baseUrl, IEnumerable<Resource> resources, Bundle.SearchEntryMode mode)
    {
        foreach (var resource in resources)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = mode },
            });
        }
    }
}
