using Npgsql;

namespace Ledger.EventStore;

/// <summary>The events of one append, inside its transaction, before commit.</summary>
public sealed record AppendContext(
    NpgsqlTransaction Transaction,
    Guid StreamId,
    string StreamType,
    IReadOnlyList<AppendedEnvelope> Events)
{
    internal List<Func<CancellationToken, Task>> Committed { get; init; } = [];

    /// <summary>
    /// Work to run once the append has committed (hand the messages written in the transaction to Wolverine). It runs
    /// after the store's own commit, or when the caller of an append in its own transaction calls
    /// <see cref="EventStore.CommittedAsync"/>. It must not be needed for correctness: a failure is left to recovery.
    /// </summary>
    public void AfterCommit(Func<CancellationToken, Task> work) => Committed.Add(work ?? throw new ArgumentNullException(nameof(work)));
}

/// <summary>An appended event with its object (not yet committed).</summary>
public sealed record AppendedEnvelope(RecordedEvent Recorded, object Data)
{
    /// <summary>The event as <see cref="IAppendParticipant.PlanWrites"/> sees it.</summary>
    public PendingEvent ToPending() => new(Recorded.StreamId, Recorded.StreamVersion, Recorded.EventId, Recorded.EventType, Data);
}

/// <summary>
/// Work that must commit or roll back together with the events of an append (inline projections, outbox
/// messages). Runs in the append's transaction after the events are written; throwing aborts the append.
/// </summary>
public interface IAppendParticipant
{
    /// <summary>Whether an append of these stored event types concerns this participant; the default is every append.</summary>
    bool AppliesTo(IReadOnlyList<string> storedNames) => true;

    /// <summary>
    /// The participant's work for these events as plain writes, when it needs neither reads nor the events' global
    /// positions; the store may then send them in the append's own round trip. Null (the default) when the
    /// participant needs the transaction: <see cref="OnAppendingAsync"/> runs instead.
    /// </summary>
    IReadOnlyList<SqlWrite>? PlanWrites(IReadOnlyList<PendingEvent> events) => null;

    Task OnAppendingAsync(AppendContext context, CancellationToken cancellationToken);
}
