using Ledger.App.Streams;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;
using Marten;
using Wolverine;
using Wolverine.Marten;
using NodaTime;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>What the ledger runs with.</summary>
/// <param name="RunBackgroundWork">
/// Take part in running the async projections (Wolverine assigns each to one such node) and in the checkpoint
/// schedule; Wolverine's message handlers run wherever the host runs.
/// </param>
public sealed record LedgerRuntime(string ConnectionString, string Schema, LedgerKeys Keys, IClock Clock, bool RunBackgroundWork = true)
{
    /// <summary>
    /// How often a checkpoint of every stream head is signed. Every node that runs background work looks at this
    /// interval; the first that finds the latest checkpoint older than half of it signs the next one.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Further Marten settings (tests shorten the daemon's polling).</summary>
    public Action<Marten.StoreOptions>? ConfigureMarten { get; init; }

    /// <summary>How long unwrapped data keys stay cached (the second purge after an erasure waits this plus 5 s).</summary>
    public Duration KeyCacheTtl { get; init; } = DataKeyProtector.DefaultCacheTtl;

    /// <summary>Retries and polling of the follow-up messages (Wolverine).</summary>
    public MessagingOptions Messaging { get; init; } = new();

    /// <summary>
    /// How Wolverine loads its handler code: <see cref="JasperFx.CodeGeneration.TypeLoadMode.Static"/> (pre-generated,
    /// the release build) or generated at run time (debug builds, tests).
    /// </summary>
    public JasperFx.CodeGeneration.TypeLoadMode CodeMode { get; init; } = LedgerCode.DefaultMode;

    /// <summary>Where <c>ledger codegen</c> writes the generated handler code; null for Wolverine's default.</summary>
    public string? GeneratedCodePath { get; init; }
}

/// <summary>The ledger's services, composed explicitly.</summary>
public static class LedgerServices
{
    public static IServiceCollection AddLedger(this IServiceCollection services, LedgerRuntime runtime, IReadOnlyList<ILedgerFeature> features)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(features);
        services.AddSingleton(runtime);
        services.AddSingleton(runtime.Clock);
        services.AddSingleton(runtime.Keys);
        services.AddSingleton(runtime.Keys.IdentifierHash);
        services.AddSingleton(features);
        services.AddSingleton(_ => LedgerDataSource.Create(runtime.ConnectionString));
        services.AddSingleton<IReadOnlyList<IInlineProjection>>(sp => features.SelectMany(f => f.InlineProjections(sp)).ToList());
        services.AddSingleton<IReadOnlyList<IProjection>>(sp => features.SelectMany(f => f.Projections(sp)).ToList());
        services.AddSingleton(sp => new DataKeyProtector(sp.GetRequiredService<NpgsqlDataSource>(), runtime.Schema, runtime.Keys.MasterKeys, runtime.Clock, runtime.KeyCacheTtl));
        services.AddSingleton(sp =>
        {
            var store = new EventStore.EventStore(
                sp.GetRequiredService<NpgsqlDataSource>(),
                LedgerComposition.CreateRegistry(),
                runtime.Clock,
                new EventStoreOptions { Schema = runtime.Schema },
                sp.GetRequiredService<DataKeyProtector>(),
                runtime.ConfigureMarten,
                sp.GetRequiredService<IReadOnlyList<IProjection>>(),
                () => sp.GetRequiredService<Marten.IDocumentStore>());
            foreach (var projection in sp.GetRequiredService<IReadOnlyList<IInlineProjection>>())
            {
                store.AddInlineProjection(projection);
            }

            return store;
        });

        // Marten's store is the host's (built from the ledger's options), so that Wolverine keeps its inbox, outbox,
        // scheduled messages and dead letters in the ledger's schema beside the events.
        // With background work, Wolverine runs the async projections: each projection's shard on exactly one node of
        // those that run background work, moved to another when its node goes (Wolverine's managed distribution in
        // place of Marten's own single-leader daemon). A node without it runs none.
        services.AddMarten(sp => sp.GetRequiredService<EventStore.EventStore>().MartenOptions)
            .IntegrateWithWolverine(integration =>
            {
                integration.MessageStorageSchemaName = runtime.Schema;
                integration.UseWolverineManagedEventSubscriptionDistribution = runtime.RunBackgroundWork;
            });
        services.AddWolverine(options => LedgerMessaging.Configure(options, runtime.Messaging, features.SelectMany(f => f.MessageHandlers), runtime.CodeMode, typeof(LedgerServices).Assembly, runtime.GeneratedCodePath));
        services.AddSingleton<TransactionalOutbox>();
        services.AddSingleton(sp => new ProjectionOperations(
            sp.GetRequiredService<EventStore.EventStore>(),
            sp.GetRequiredService<IReadOnlyList<IProjection>>(),
            new ProjectionOperationsOptions { StaleNodeTimeout = runtime.Messaging.StaleNodeTimeout, Logger = sp.GetService<ILoggerFactory>()?.CreateLogger<ProjectionOperations>() }));
        services.AddSingleton(sp => new CommandExecutor(sp.GetRequiredService<EventStore.EventStore>(), runtime.Clock));
        services.AddSingleton<LedgerStartup>();
        if (runtime.RunBackgroundWork)
        {
            services.AddHostedService<BackgroundWork>();
        }

        foreach (var feature in features)
        {
            feature.AddServices(services);
        }

        return services;
    }
}

/// <summary>Migrates the schema and creates inline projection tables, once, before anything reads or writes.</summary>
public sealed class LedgerStartup(EventStore.EventStore store, IReadOnlyList<IInlineProjection> inlineProjections, IReadOnlyList<IProjection> projections)
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private bool ready;

    public async Task EnsureReadyAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (ready)
            {
                return;
            }

            await store.MigrateAsync(cancellationToken);
            foreach (var projection in inlineProjections)
            {
                await store.EnsureTablesAsync(projection, cancellationToken);
            }

            await store.EnsureTablesAsync(projections, cancellationToken);

            ready = true;
        }
        finally
        {
            gate.Release();
        }
    }
}
