using Ledger.EventStore;

namespace Ledger.App.Streams;

/// <summary>A stream's current (or past) state, folded by its decider.</summary>
public static class StreamStates
{
    /// <summary>
    /// Folds the stream with <paramref name="decider"/>'s <c>Evolve</c>, up to a version or an instant when
    /// <paramref name="asOf"/> is given; returns the state and the version it was built from (see
    /// <see cref="EventStore.EventStore.AggregateAsync{TState}"/>).
    /// </summary>
    public static Task<(TState State, long Version)> AggregateAsync<TCommand, TEvent, TState>(
        this EventStore.EventStore store,
        Decider<TCommand, TEvent, TState> decider,
        Guid streamId,
        StreamPoint? asOf = null,
        CancellationToken cancellationToken = default)
        where TEvent : class
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(decider);
        return store.AggregateAsync(streamId, decider.Initial, decider.EvolveStored, asOf, cancellationToken: cancellationToken);
    }
}
