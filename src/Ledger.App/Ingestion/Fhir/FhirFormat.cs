namespace Ledger.App.Ingestion.Fhir;

/// <summary>The two FHIR R4 wire formats the ledger reads and answers in.</summary>
public enum FhirFormat
{
    /// <summary><c>application/fhir+json</c> (also <c>application/json</c>).</summary>
    Json,

    /// <summary><c>application/fhir+xml</c>.</summary>
    Xml,
}

/// <summary>The media types of <see cref="FhirFormat"/>.</summary>
public static class FhirMediaTypes
{
    public const string Json = "application/fhir+json";
    public const string Xml = "application/fhir+xml";

    /// <summary>The media type answered in <paramref name="format"/>.</summary>
    public static string Of(FhirFormat format) => format == FhirFormat.Xml ? Xml : Json;
}
