namespace Ledger.App.Ingestion;

/// <summary>Limits of delivery; every one is checked before anything is appended.</summary>
public sealed record IngestionOptions
{
    /// <summary>Largest HL7 v2 message (HTTP body or MLLP frame), in bytes (413 / AR beyond it).</summary>
    public int MaxMessageBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest FHIR JSON body, in bytes (413 beyond it).</summary>
    public int MaxFhirBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest single attachment after decoding, in bytes (413 beyond it).</summary>
    public int MaxAttachmentBytes { get; init; } = 5 * 1024 * 1024;

    /// <summary>Most observations in one message or bundle (413 / AR beyond it).</summary>
    public int MaxObservations { get; init; } = 1_000;

    /// <summary>How long an MLLP connection may stay silent before it is closed.</summary>
    public TimeSpan MllpIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Most MLLP connections handled at once; further ones wait in the listen backlog.</summary>
    public int MaxMllpConnections { get; init; } = 256;
}
