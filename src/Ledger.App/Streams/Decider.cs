using NodaTime;

namespace Ledger.App.Streams;

/// <summary>
/// A stream kind's state, how it evolves and how it decides: what the executor needs. <typeparamref name="TEvent"/>
/// is the type every event of the stream shares (the domain's marker interface per stream kind), so a decision can
/// only produce events of its own stream and <see cref="Evolve"/> only has to know those.
/// </summary>
public sealed record Decider<TCommand, TEvent, TState>(
    string StreamKind,
    TState Initial,
    Func<TState, TEvent, TState> Evolve,
    Func<TCommand, TState, Instant, IReadOnlyList<TEvent>> Decide,
    bool PatientScoped)
    where TEvent : class
{
    /// <summary>A stored event read back from the stream (as the store deserializes it), as this stream's event type.</summary>
    /// <exception cref="InvalidOperationException">The event does not belong to this kind of stream.</exception>
    public TEvent Read(object stored) => stored is TEvent e
        ? e
        : throw new InvalidOperationException($"A {StreamKind} stream does not hold the event {stored?.GetType().FullName ?? "null"}.");

    /// <summary><see cref="Evolve"/> over a stored event as the store returns it (for folding a stream read from the store).</summary>
    public TState EvolveStored(TState state, object stored) => Evolve(state, Read(stored));
}
