using Ledger.EventStore.Serialization;
using Ledger.Testing;
using NodaTime;
using Xunit;

namespace Ledger.EventStore.Tests;

public sealed class TimeTravelTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    [Fact]
    public async Task State_as_of_a_version_and_as_of_an_instant_between_two_events()
    {
        await using var scope = await StoreScope.CreateAsync(database);
        var id = Guid.NewGuid();
        scope.Clock.Set(Streams.At(9));
        await scope.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("ann"));
        scope.Clock.Set(Streams.At(10));
        await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(1), new Deposited(100));
        scope.Clock.Set(Streams.At(11));
        await scope.Store.AppendAsync(id, ExpectedVersion.Exactly(2), new Withdrawn(30));

        var (atVersion2, v2) = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve, StreamPoint.AtVersion(2));
        var (atHalfPastTen, vAt) = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve, StreamPoint.AtInstant(Streams.At(10, 30)));
        var (beforeAll, vBefore) = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve, StreamPoint.AtInstant(Streams.At(8)));
        var (now, vNow) = await scope.Store.AggregateAsync(id, new Account(), Account.Evolve);

        Assert.Equal(new Account("ann", 100, 2), atVersion2);
        Assert.Equal(2, v2);
        Assert.Equal(new Account("ann", 100, 2), atHalfPastTen);
        Assert.Equal(2, vAt);
        Assert.Equal(new Account(), beforeAll);
        Assert.Equal(0, vBefore);
        Assert.Equal(new Account("ann", 70, 3), now);
        Assert.Equal(3, vNow);
    }

    [Fact]
    public async Task An_upcaster_reads_an_event_stored_under_an_old_name_and_shape_as_the_new_type()
    {
        // Written by an older release: "accounts.deposited.v1" with the amount in cents.
        var oldRegistry = new EventTypeRegistry().Register<DepositedInCents>("accounts.deposited.v1").Register<Opened>("accounts.opened.v1");
        await using var old = await StoreScope.CreateAsync(database, oldRegistry);
        var id = Guid.NewGuid();
        await old.Store.AppendAsync(id, ExpectedVersion.NoStream, new Opened("ann"), new DepositedInCents(1250));

        // Read by the current release, where Deposited is "accounts.deposited.v2" with a decimal amount.
        var current = TestRegistry.Create().Upcast("accounts.deposited.v1", "accounts.deposited.v2", json =>
            new System.Text.Json.Nodes.JsonObject { ["amount"] = (decimal)json["cents"]!.GetValue<long>() / 100 });
        await using var reader = new EventStore(old.DataSource, current, old.Clock, old.Store.Options);

        var events = await reader.ReadStreamAsync(id);
        var (state, _) = await reader.AggregateAsync(id, new Account(), Account.Evolve);

        Assert.Equal("accounts.deposited.v1", events[1].EventType);
        Assert.Equal(new Deposited(12.50m), reader.Deserialize(events[1]));
        Assert.Equal(12.50m, state.Balance);
    }

    [Fact]
    public void A_current_name_cannot_be_upcast_and_names_must_carry_a_version()
    {
        Assert.Throws<InvalidOperationException>(() => TestRegistry.Create().Upcast("accounts.opened.v1", "accounts.deposited.v2", j => j));
        Assert.Throws<ArgumentException>(() => new EventTypeRegistry().Register<Opened>("AccountOpened"));
        Assert.Throws<InvalidOperationException>(() => new EventTypeRegistry().Register<Opened>("a.b.v1").Register<Deposited>("a.b.v1"));
    }

    [Fact]
    public void An_unknown_stored_name_is_a_clear_error()
    {
        var error = Assert.Throws<UnknownEventTypeException>(() => TestRegistry.Create().Deserialize("accounts.closed.v1", "{}"));
        Assert.Contains("accounts.closed.v1", error.Message, StringComparison.Ordinal);
    }

    public sealed record DepositedInCents(long Cents);
}
