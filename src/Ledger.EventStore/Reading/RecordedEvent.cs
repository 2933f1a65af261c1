using NodaTime;

namespace Ledger.EventStore;

/// <summary>A stored event as read back: its envelope and its payload as JSON text.</summary>
/// <param name="Data">The payload as JSON; null when <paramref name="IsErased"/>.</param>
/// <param name="IsErased">The payload was encrypted under a data key that has been destroyed: it is unreadable for ever.</param>
public sealed record RecordedEvent(
    long GlobalPosition,
    Guid StreamId,
    long StreamVersion,
    Guid EventId,
    string EventType,
    string? Data,
    EventMetadata Metadata,
    Instant RecordedAt,
    Guid? KeyId,
    bool IsErased);

/// <summary>A stream's row.</summary>
public sealed record StreamInfo(Guid StreamId, string StreamType, long Version, Instant CreatedAt, Instant UpdatedAt, Instant? ArchivedAt)
{
    public bool IsArchived => ArchivedAt is not null;
}

/// <summary>Read direction of a stream.</summary>
public enum ReadDirection
{
    Forward,
    Backward,
}

/// <summary>A point in a stream's history: a version or an instant.</summary>
public abstract record StreamPoint
{
    private StreamPoint()
    {
    }

    public static StreamPoint AtVersion(long version) => new Version(version);

    public static StreamPoint AtInstant(Instant instant) => new At(instant);

    /// <summary>Everything up to and including this version.</summary>
    public sealed record Version(long Value) : StreamPoint;

    /// <summary>Everything recorded at or before this instant.</summary>
    public sealed record At(Instant Value) : StreamPoint;
}
