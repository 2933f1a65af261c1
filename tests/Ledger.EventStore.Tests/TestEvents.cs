using Ledger.EventStore.Serialization;

namespace Ledger.EventStore.Tests;

public sealed record Opened(string Owner);

public sealed record Deposited(decimal Amount);

public sealed record Withdrawn(decimal Amount);

public sealed record Counted(int Writer, int Sequence);

public sealed record Account(string Owner = "", decimal Balance = 0, int Changes = 0)
{
    public static Account Evolve(Account state, object e) => e switch
    {
        Opened o => state with { Owner = o.Owner, Changes = state.Changes + 1 },
        Deposited d => state with { Balance = state.Balance + d.Amount, Changes = state.Changes + 1 },
        Withdrawn w => state with { Balance = state.Balance - w.Amount, Changes = state.Changes + 1 },
        _ => throw new InvalidOperationException($"unknown event {e.GetType().Name}"),
    };
}

public static class TestRegistry
{
    public static EventTypeRegistry Create() => new EventTypeRegistry()
        .Register<Opened>("accounts.opened.v1")
        .Register<Deposited>("accounts.deposited.v2")
        .Register<Withdrawn>("accounts.withdrawn.v1")
        .Register<Counted>("load.counted.v1");
}
