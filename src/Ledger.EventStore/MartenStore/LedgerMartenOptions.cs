using JasperFx;
using JasperFx.Events;
using Ledger.EventStore.Serialization;
using Marten;
using Npgsql;

namespace Ledger.EventStore.MartenStore;

/// <summary>
/// How the ledger configures Marten's event store. Every choice here is one the ledger's guarantees rest on:
/// <list type="bullet">
/// <item>the <em>Quick</em> append mode with timestamps from .NET (<see cref="EventAppendMode.QuickWithServerTimestamps"/>):
/// sequence numbers are reserved inside the writing transaction, so the async daemon never skips a late commit
/// (the <em>Rich</em> mode reserves them before it and loses events when a client stalls in between), and the
/// recorded time is the one the append path chose and hashed;</item>
/// <item>stream ids are uuids; every event type is registered under its stored name from the catalogue, so no CLR
/// name reaches the database (the <c>mt_dotnet_type</c> column is left empty);</item>
/// <item>a unique index on the event id, so a repeated command cannot store its events twice;</item>
/// <item>headers on, for the hash and the metadata; every payload is binary (<see cref="StoredPayload"/>);</item>
/// <item>never <c>SkipStaleGapsDespiteLiveTransactionsAfter</c>: it loses events by design.</item>
/// </list>
/// </summary>
public static class LedgerMartenOptions
{
    /// <summary>Events one projection batch reads and applies in one transaction (Marten's default is 500).</summary>
    public const int ProjectionBatchSize = 5_000;

    internal static StoreOptions Create(NpgsqlDataSource dataSource, string schema, EventTypeRegistry registry, PayloadSerializer serializer)
    {
        var options = new StoreOptions();
        options.Connection(dataSource);
        options.DatabaseSchemaName = schema;
        options.Events.DatabaseSchemaName = schema;
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.StreamIdentity = StreamIdentity.AsGuid;
        options.Events.EnableUniqueIndexOnEventId = true;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

        // The async daemon: a failing event is set aside in Marten's dead-letter table (ledger projections shows it
        // until an operator resumes or acknowledges it); an erased payload cannot be read and is passed over (every
        // projection purges an erased patient's rows anyway).
        options.Projections.Errors.SkipApplyErrors = true;
        options.Projections.Errors.SkipSerializationErrors = true;
        options.Projections.RebuildErrors.SkipSerializationErrors = true;
        options.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);

        // The ledger NOTIFYs Marten's channel after its commits, coalesced to at most one every 20 ms and outside the
        // append's transaction (CommitNotifier); the daemon's high-water agent listens and wakes at once. Marten's own
        // NOTIFY inside every append (UseListenNotifyForEventAppends) serialised the commits of 1-event appends.
        options.Projections.Wakeup = new Marten.Events.Daemon.HighWater.PostgresqlListenWakeup(
            dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, Marten.Events.Daemon.HighWater.PostgresqlListenWakeup.DefaultChannel);
        var useBinary = typeof(Marten.Events.IEventStoreOptions).GetMethod(nameof(Marten.Events.IEventStoreOptions.UseBinarySerializer))
            ?? throw new InvalidOperationException("Marten offers no per-type binary serializer");
        foreach (var (type, name) in registry.Registered)
        {
            options.Events.MapEventType(type, name);
            useBinary.MakeGenericMethod(type).Invoke(options.Events, [serializer]);
        }

        return options;
    }
}
