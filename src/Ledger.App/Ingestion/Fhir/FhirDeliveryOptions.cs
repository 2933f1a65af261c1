using NodaTime;

namespace Ledger.App.Ingestion.Fhir;

/// <summary>Limits for reading a FHIR delivery. Exceeding one gives an issue with code <c>too-costly</c>.</summary>
public sealed record FhirDeliveryOptions
{
    /// <summary>Defaults: 4 MiB, depth 64, 1,000 entries, 1,000 observations, +03:00.</summary>
    public static FhirDeliveryOptions Default { get; } = new();

    /// <summary>Largest accepted document in bytes.</summary>
    public int MaxBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deepest nesting of JSON objects and arrays, or of XML elements.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Largest number of Bundle entries.</summary>
    public int MaxEntries { get; init; } = 1_000;

    /// <summary>Largest number of Observations delivered from one document.</summary>
    public int MaxObservations { get; init; } = 1_000;

    /// <summary>Offset for a FHIR <c>date</c> (no time) turned into an instant: the start of that day here.</summary>
    public Offset DefaultOffset { get; init; } = Offset.FromHours(3);
}
