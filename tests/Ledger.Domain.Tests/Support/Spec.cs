using System.Text.Json;
using Ledger.Domain.Serialization;
using NodaTime;

namespace Ledger.Domain.Tests.Support;

/// <summary>
/// Given/When/Then for a decider: given past events (folded with Evolve), when a command is decided at an instant,
/// then these events (compared by stored name and JSON), nothing, or a rejection with a code.
/// </summary>
public sealed class Spec<TCommand, TEvent, TState>(
    TState initial,
    Func<TState, TEvent, TState> evolve,
    Func<TCommand, TState, Instant, IReadOnlyList<TEvent>> decide)
    where TEvent : class
{
    private TState Initial { get; } = initial;

    private Func<TState, TEvent, TState> Evolve { get; } = evolve;

    private Func<TCommand, TState, Instant, IReadOnlyList<TEvent>> Decide { get; } = decide;

    public Scenario Given(params TEvent[] events) => new(this, events);

    public Scenario.Outcome When(TCommand command, Instant? at = null) => Given().When(command, at);

    public sealed class Scenario(Spec<TCommand, TEvent, TState> spec, TEvent[] history)
    {
        public Outcome When(TCommand command, Instant? at = null)
        {
            var state = history.Aggregate(spec.Initial, spec.Evolve);
            try
            {
                return new Outcome(spec.Decide(command, state, at ?? Samples.Now), null);
            }
            catch (DomainRejection rejection)
            {
                return new Outcome(null, rejection);
            }
        }

        public sealed class Outcome(IReadOnlyList<TEvent>? events, DomainRejection? rejection)
        {
            public void Then(params TEvent[] expected)
            {
                Assert.True(rejection is null, $"Expected events but the command was rejected: {rejection?.Code}: {rejection?.Message}");
                Assert.Equal(expected.Select(Describe).ToList(), events!.Select(Describe).ToList());
            }

            public void ThenNothing() => Then();

            public void ThenRejected(string code)
            {
                if (rejection is null)
                {
                    Assert.Fail($"Expected rejection {code} but got events: {string.Join(", ", events!.Select(Describe))}");
                }

                Assert.Equal(code, rejection.Code);
            }

            private static string Describe(object e) =>
                $"{EventCatalogue.FindByType(e.GetType())?.StoredName ?? e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType(), DomainJson.Options)}";
        }
    }
}
