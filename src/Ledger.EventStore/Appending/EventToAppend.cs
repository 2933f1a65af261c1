namespace Ledger.EventStore;

/// <summary>An event to append: its unique id (the idempotency key of the write), the event object and its metadata.</summary>
public sealed record EventToAppend(Guid EventId, object Data, EventMetadata? Metadata = null)
{
    public static EventToAppend New(object data, EventMetadata? metadata = null) => new(Guid.CreateVersion7(), data, metadata);
}

/// <summary>
/// Who caused an event and in which flow. Holds internal ids only: it is stored in the clear, so it must
/// never carry a name, a personal identifier or clinical content.
/// </summary>
public sealed record EventMetadata(
    Guid? CorrelationId = null,
    Guid? CausationId = null,
    string? ActorKind = null,
    string? ActorId = null,
    string? Tenant = null)
{
    public static EventMetadata Empty { get; } = new();
}

/// <summary>Options of one append.</summary>
public sealed record AppendOptions
{
    /// <summary>
    /// When set, every payload of this append is encrypted under the data key of this subject (created on first
    /// use); the store then keeps only the envelope in the clear.
    /// </summary>
    public Guid? EncryptFor { get; init; }

    /// <summary>
    /// Statements that commit or roll back together with the events, run after them in the append's transaction
    /// (for example the stored answer to the request that caused the append). When one fails, nothing of the
    /// append is written and the error is reported (a unique violation as <see cref="WrongExpectedVersionException"/>).
    /// </summary>
    public IReadOnlyList<SqlWrite> Writes { get; init; } = [];
}
