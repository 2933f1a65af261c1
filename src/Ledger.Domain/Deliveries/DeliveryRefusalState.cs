namespace Ledger.Domain.Deliveries;

/// <summary>The state of a refusal stream: how many refusals it holds.</summary>
public sealed record DeliveryRefusalState(long Refusals)
{
    public static DeliveryRefusalState Initial { get; } = new(0);

    public static DeliveryRefusalState Evolve(DeliveryRefusalState state, IDeliveryRefusalEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            DeliveryRefused => state with { Refusals = state.Refusals + 1 },
            _ => throw new InvalidOperationException(
                $"DeliveryRefusalState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }
}
