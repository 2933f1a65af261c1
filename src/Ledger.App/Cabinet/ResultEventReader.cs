using System.Text.Json;
using Ledger.Domain.Results;
using Ledger.Domain.Serialization;
using Ledger.EventStore;
using Ledger.EventStore.Projections;

namespace Ledger.App.Cabinet;

/// <summary>
/// Reads result events, including <c>results.corrected.v1</c>, whose content is polymorphic (<c>documentType</c>
/// discriminator). Stored payloads are in PostgreSQL's jsonb key order (by length, then bytes), so the discriminator is
/// not the first property; the store's registry options require it first. This reader accepts it anywhere; every other
/// event goes through the store as usual.
/// </summary>
public static class ResultEventReader
{
    public const string CorrectedType = "results.corrected.v1";

    private static readonly JsonSerializerOptions Tolerant = CreateTolerant();

    public static object Deserialize(EventStore.EventStore store, RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded.EventType == CorrectedType && recorded.Data is { } json
            ? JsonSerializer.Deserialize<ResultCorrected>(json, Tolerant) ?? throw new JsonException("a null correction")
            : store.Deserialize(recorded);
    }

    public static object Deserialize(ProjectionBatch batch, RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded.EventType == CorrectedType && recorded.Data is { } json
            ? JsonSerializer.Deserialize<ResultCorrected>(json, Tolerant) ?? throw new JsonException("a null correction")
            : batch.Deserialize(recorded);
    }

    /// <summary>A result stream's state, folded from its events (erased events skipped); optionally up to a version.</summary>
    public static async Task<ResultState> LoadAsync(EventStore.EventStore store, Guid streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var state = ResultState.Initial;
        foreach (var recorded in await store.ReadStreamAsync(streamId, cancellationToken: cancellationToken))
        {
            if (!recorded.IsErased)
            {
                state = ResultState.Evolve(state, Deserialize(store, recorded));
            }
        }

        return state;
    }

    private static JsonSerializerOptions CreateTolerant()
    {
        var options = new JsonSerializerOptions(DomainJson.Options) { AllowOutOfOrderMetadataProperties = true };
        options.MakeReadOnly();
        return options;
    }
}
