using Ledger.App.Streams;
using Ledger.EventStore;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Ledger.EventStore.Protection;
using Ledger.EventStore.Serialization;
using NodaTime;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>What the ledger runs with.</summary>
/// <param name="RunBackgroundWork">Run the projection daemon and the message dispatcher in this process.</param>
public sealed record LedgerRuntime(string ConnectionString, string Schema, LedgerKeys Keys, IClock Clock, bool RunBackgroundWork = true)
{
    public ProjectionDaemonOptions DaemonOptions { get; init; } = new();

    /// <summary>How often the node that leads the projections signs a checkpoint of every stream head.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Further Marten settings (tests shorten the daemon's polling).</summary>
    public Action<Marten.StoreOptions>? ConfigureMarten { get; init; }

    public MessageDispatcherOptions DispatcherOptions { get; init; } = new();
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
        services.AddSingleton(sp => new DataKeyProtector(sp.GetRequiredService<NpgsqlDataSource>(), runtime.Schema, runtime.Keys.MasterKeys, runtime.Clock));
        services.AddSingleton(sp =>
        {
            var store = new EventStore.EventStore(
                sp.GetRequiredService<NpgsqlDataSource>(),
                LedgerComposition.CreateRegistry(),
                runtime.Clock,
                new EventStoreOptions { Schema = runtime.Schema },
                sp.GetRequiredService<DataKeyProtector>(),
                runtime.ConfigureMarten,
                sp.GetRequiredService<IReadOnlyList<IProjection>>());
            foreach (var projection in sp.GetRequiredService<IReadOnlyList<IInlineProjection>>())
            {
                store.AddInlineProjection(projection);
            }

            return store;
        });
        services.AddSingleton(sp =>
        {
            var messageTypes = new EventTypeRegistry(Domain.Serialization.DomainJson.Options);
            foreach (var feature in features)
            {
                feature.AddMessageTypes(messageTypes);
            }

            return new Outbox(sp.GetRequiredService<EventStore.EventStore>(), messageTypes, runtime.Clock);
        });
        services.AddSingleton(sp =>
        {
            var handlers = new MessageHandlers();
            foreach (var feature in features)
            {
                feature.AddHandlers(handlers, sp);
            }

            return new MessageDispatcher(sp.GetRequiredService<Outbox>(), handlers, runtime.Clock, runtime.DispatcherOptions with { Logger = sp.GetService<ILoggerFactory>()?.CreateLogger<MessageDispatcher>() });
        });
        services.AddSingleton(sp => new ProjectionDaemon(
            sp.GetRequiredService<EventStore.EventStore>(),
            sp.GetRequiredService<IReadOnlyList<IProjection>>(),
            runtime.DaemonOptions with { Logger = sp.GetService<ILoggerFactory>()?.CreateLogger<ProjectionDaemon>() }));
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
