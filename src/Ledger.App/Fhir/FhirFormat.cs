using System.Text;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace Ledger.App.Fhir;

/// <summary>
/// JSON or XML, chosen by <c>_format</c> (<c>json</c>, <c>xml</c>, <c>application/fhir+json</c>,
/// <c>application/fhir+xml</c>, <c>application/json</c>, <c>application/xml</c>, <c>text/xml</c>) or else by
/// <c>Accept</c>; JSON when neither names a format (or <c>Accept</c> is <c>*/*</c>). A <c>_format</c> naming anything else
/// is refused (400); an <c>Accept</c> naming only other types is answered 406.
/// </summary>
public enum FhirFormat
{
    Json,
    Xml,
}

public static class FhirFormats
{
    public const string JsonMediaType = "application/fhir+json";
    public const string XmlMediaType = "application/fhir+xml";

    /// <summary>Every <c>_format</c> value accepted, for the CapabilityStatement and the docs.</summary>
    public static IReadOnlyList<string> Names { get; } = ["json", "xml", JsonMediaType, XmlMediaType];

    /// <summary>The format asked for; null with the status and reason when none of the two can be given.</summary>
    public static (FhirFormat? Format, int Status, string? Reason) Negotiate(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query["_format"].ToString() is { Length: > 0 } format)
        {
            return Of(format) is { } chosen
                ? (chosen, 200, null)
                : (null, StatusCodes.Status400BadRequest, "_format: one of json, xml, application/fhir+json, application/fhir+xml");
        }

        var accept = request.Headers.Accept.ToString();
        if (accept.Length == 0)
        {
            return (FhirFormat.Json, 200, null);
        }

        foreach (var part in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var type = part.Split(';')[0].Trim();
            if (type is "*/*" or "application/*")
            {
                return (FhirFormat.Json, 200, null);
            }

            if (Of(type) is { } chosen)
            {
                return (chosen, 200, null);
            }
        }

        return (null, StatusCodes.Status406NotAcceptable, "Accept: the API answers application/fhir+json or application/fhir+xml");
    }

    private static FhirFormat? Of(string text) => text.Trim().ToLowerInvariant() switch
    {
        "json" or JsonMediaType or "application/json" or "application/json+fhir" => FhirFormat.Json,
        "xml" or XmlMediaType or "application/xml" or "text/xml" or "application/xml+fhir" => FhirFormat.Xml,
        _ => null,
    };

    /// <summary>The resource in the format, with its media type (UTF-8).</summary>
    public static IResult Write(Resource resource, FhirFormat format, int status = StatusCodes.Status200OK)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var (text, mediaType) = format == FhirFormat.Xml ? (resource.ToXml(), XmlMediaType) : (resource.ToJson(), JsonMediaType);
        return Results.Text(text, mediaType + "; charset=utf-8", Encoding.UTF8, status);
    }
}
