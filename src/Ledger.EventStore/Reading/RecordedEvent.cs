using NodaTime;

namespace Ledger.EventStore;

/// <summary>A stored event as read back: its envelope and its payload as JSON text.</summary>
/// <param name="Data">The payload as JSON; null when <paramref name="IsErased"/>.</param>
/// <param name="IsErased">The payload was encrypted under a data key that has been destroyed: it is unreadable for ever.</param>
public sealed record RecordedEvent(
    long GlobalPosition,
    ulong TransactionId,
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

/// <summary>A place in the global log: everything at or before (transaction id, position) has been read.</summary>
public readonly record struct GlobalCheckpoint(ulong TransactionId, long Position) : IComparable<GlobalCheckpoint>
{
    public static GlobalCheckpoint Start { get; } = new(0, 0);

    public int CompareTo(GlobalCheckpoint other)
    {
        var byTransaction = TransactionId.CompareTo(other.TransactionId);
        return byTransaction != 0 ? byTransaction : Position.CompareTo(other.Position);
    }

    public static bool operator <(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) < 0;

    public static bool operator >(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) > 0;

    public static bool operator <=(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) <= 0;

    public static bool operator >=(GlobalCheckpoint left, GlobalCheckpoint right) => left.CompareTo(right) >= 0;

    public static GlobalCheckpoint Of(RecordedEvent e) => new(e.TransactionId, e.GlobalPosition);
}

/// <summary>One batch of the global log and the checkpoint after it.</summary>
public sealed record GlobalLogBatch(IReadOnlyList<RecordedEvent> Events, GlobalCheckpoint Checkpoint);
