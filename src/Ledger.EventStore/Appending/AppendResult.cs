namespace Ledger.EventStore;

/// <summary>Where one appended event landed.</summary>
public readonly record struct AppendedEvent(Guid EventId, long StreamVersion, long GlobalPosition);

/// <summary>The outcome of an append.</summary>
/// <param name="NextExpectedVersion">The stream's version after the append: pass it as the next expected version.</param>
/// <param name="AlreadyStored">True when every event id was already stored in this stream: nothing was written.</param>
public sealed record AppendResult(Guid StreamId, long NextExpectedVersion, IReadOnlyList<AppendedEvent> Events, bool AlreadyStored)
{
    public long FirstPosition => Events.Count == 0 ? 0 : Events.Min(e => e.GlobalPosition);

    public long LastPosition => Events.Count == 0 ? 0 : Events.Max(e => e.GlobalPosition);

    /// <summary>What the append's participants asked to run after the commit (<see cref="AppendContext.AfterCommit"/>).</summary>
    internal IReadOnlyList<Func<CancellationToken, Task>> AfterCommit { get; init; } = [];
}
