namespace Ledger.EventStore;

/// <summary>An append found the stream at another version than the writer expected. Nothing was written.</summary>
public sealed class WrongExpectedVersionException(Guid streamId, ExpectedVersion expected, long? actual)
    : Exception($"stream {streamId}: expected version {expected}, actual {(actual is null ? "no stream" : actual.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}")
{
    public Guid StreamId { get; } = streamId;

    public ExpectedVersion Expected { get; } = expected;

    /// <summary>The stream's version when the append was refused; null when the stream does not exist.</summary>
    public long? Actual { get; } = actual;
}

/// <summary>An event id of the append is already stored, but not as this same append. Nothing was written.</summary>
public sealed class EventIdConflictException(Guid streamId, Guid eventId, string detail)
    : Exception($"stream {streamId}: event id {eventId} {detail}")
{
    public Guid StreamId { get; } = streamId;

    public Guid EventId { get; } = eventId;
}

/// <summary>The stream is archived: it can be read, not appended to.</summary>
public sealed class StreamArchivedException(Guid streamId)
    : Exception($"stream {streamId} is archived: it can be read but no longer appended to")
{
    public Guid StreamId { get; } = streamId;
}

/// <summary>The stream exists with another type than the append names.</summary>
public sealed class StreamTypeMismatchException(Guid streamId, string expectedType, string actualType)
    : Exception($"stream {streamId} is of type '{actualType}', not '{expectedType}'")
{
    public Guid StreamId { get; } = streamId;
}

/// <summary>A stream that does not exist was asked for.</summary>
public sealed class StreamNotFoundException(Guid streamId)
    : Exception($"stream {streamId} does not exist")
{
    public Guid StreamId { get; } = streamId;
}
