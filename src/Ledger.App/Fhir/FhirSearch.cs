using System.Globalization;
using System.Text;
using Hl7.Fhir.Model;

namespace Ledger.App.Fhir;

/// <summary>A search parameter a resource type supports: its name, FHIR type and what it matches.</summary>
public sealed record FhirSearchParameter(string Name, SearchParamType Type, string Documentation);

/// <summary>
/// A search request, read strictly (FHIR's <c>handling=strict</c>): a parameter the resource type does not list, a
/// value that cannot be read, a <c>_count</c> outside 1–<see cref="MaxCount"/> or a negative <c>_offset</c> is a 400
/// OperationOutcome naming the parameter. <c>_format</c> is accepted everywhere; a <c>Prefer: handling=lenient</c> is not
/// honoured (the CapabilityStatement says so).
/// </summary>
public sealed record FhirSearch(IReadOnlyList<KeyValuePair<string, string>> Parameters, int Count, int Offset)
{
    public const int DefaultCount = 50;
    public const int MaxCount = 200;

    /// <summary>The parameters every search takes besides the type's own.</summary>
    public static IReadOnlyList<FhirSearchParameter> Common { get; } =
    [
        new("_count", SearchParamType.Number, $"Entries per page, 1 to {MaxCount} (default {DefaultCount}); more is refused with 400."),
        new("_offset", SearchParamType.Number, "How many matches to skip (the paging links carry it)."),
    ];

    public IEnumerable<string> Values(string name) => Parameters.Where(p => p.Key == name).Select(p => p.Value);

    /// <summary>The <c>_include</c> values asked for (each one the resource type offers).</summary>
    public IReadOnlyList<string> Includes => [.. Values("_include")];

    public static FhirSearch Parse(IQueryCollection query, IReadOnlyList<FhirSearchParameter> supported, IReadOnlyList<string>? includes = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(supported);
        var parameters = new List<KeyValuePair<string, string>>();
        int count = DefaultCount, offset = 0;
        foreach (var (name, values) in query)
        {
            if (name == "_format")
            {
                continue;
            }

            foreach (var value in values.Select(v => v ?? string.Empty))
            {
                switch (name)
                {
                    case "_count":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > MaxCount)
                        {
                            throw FhirProblem.BadParameter("_count", $"a number from 1 to {MaxCount}");
                        }

                        break;
                    case "_offset":
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                        {
                            throw FhirProblem.BadParameter("_offset", "a number from 0");
                        }

                        break;
                    case "_include":
                        if (includes?.Contains(value, StringComparer.Ordinal) != true)
                        {
                            throw FhirProblem.BadParameter("_include", includes is { Count: > 0 } ? "one of " + string.Join(", ", includes) : "this resource type offers no _include");
                        }

                        parameters.Add(new(name, value));
                        break;
                    default:
                        if (!supported.Any(p => p.Name == name))
                        {
                            throw FhirProblem.BadParameter(name, supported.Count == 0
                                ? "this resource type takes no search parameters but _count and _offset"
                                : "not a supported search parameter (supported: " + string.Join(", ", supported.Select(p => p.Name)) + ", _count, _offset)");
                        }

                        if (value.Length == 0)
                        {
                            throw FhirProblem.BadParameter(name, "a value is required");
                        }

                        parameters.Add(new(name, value));
                        break;
                }
            }
        }

        return new FhirSearch(parameters, count, offset);
    }

    /// <summary>The query string of this search at another offset (for the paging links).</summary>
    public string QueryAt(int offset)
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Parameters)
        {
            text.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
        }

        text.Append(CultureInfo.InvariantCulture, $"_count={Count}&_offset={offset}");
        return text.ToString();
    }
}

/// <summary>One page of matches and how many there are in all.</summary>
public sealed record FhirPage(IReadOnlyList<Resource> Matches, long Total, IReadOnlyList<Resource>? Included = null);
