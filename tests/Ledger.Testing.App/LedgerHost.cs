using Ledger.App.Cli;
using Ledger.App.Hosting;
using Ledger.App.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Ledger.Testing;

/// <summary>
/// The real ledger application on a loopback port, against a fresh database of the shared test cluster, with
/// in-memory keys and a fake clock. Tests talk to it over HTTP like any client.
/// </summary>
public sealed class LedgerHost : IAsyncDisposable
{
    private readonly bool ownsDatabase;

    private LedgerHost(WebApplication app, PostgresCluster cluster, string connectionString, FakeClock clock, Uri address, LedgerKeys keys, bool ownsDatabase)
    {
        this.ownsDatabase = ownsDatabase;
        Keys = keys;
        App = app;
        Cluster = cluster;
        ConnectionString = connectionString;
        Clock = clock;
        Address = address;
        Http = ContractCheckingHandler.Client(address);
    }

    public WebApplication App { get; }

    public PostgresCluster Cluster { get; }

    public string ConnectionString { get; }

    public FakeClock Clock { get; }

    public Uri Address { get; }

    /// <summary>The keys this node runs with (another node of the same ledger needs the same).</summary>
    public LedgerKeys Keys { get; }

    /// <summary>A client without credentials. Like every client of the host, it checks each response against the OpenAPI document.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Starts the app; on the shared test cluster unless another (e.g. a durable one) is given.</summary>
    public static async Task<LedgerHost> StartAsync(Action<WebApplicationBuilder>? configure = null, bool runBackgroundWork = true, FakeClock? clock = null, PostgresCluster? cluster = null, LedgerKeys? keys = null)
    {
        cluster ??= await PostgresCluster.SharedAsync();
        var connectionString = await cluster.CreateDatabaseAsync("app");
        return await StartOnAsync(cluster, connectionString, keys ?? LedgerKeys.Ephemeral(), ownsDatabase: true, configure, runBackgroundWork, clock);
    }

    /// <summary>Starts another node of the ledger that <paramref name="first"/> runs: same database, same keys, same clock.</summary>
    public static Task<LedgerHost> StartNodeAsync(LedgerHost first, bool runBackgroundWork = true)
    {
        ArgumentNullException.ThrowIfNull(first);
        return StartOnAsync(first.Cluster, first.ConnectionString, first.Keys, ownsDatabase: false, configure: null, runBackgroundWork, first.Clock);
    }

    private static async Task<LedgerHost> StartOnAsync(PostgresCluster cluster, string connectionString, LedgerKeys keys, bool ownsDatabase, Action<WebApplicationBuilder>? configure, bool runBackgroundWork, FakeClock? clock)
    {
        clock ??= FakeClock.At(2026, 3, 2);
        var runtime = new LedgerRuntime(connectionString, "ledger", keys, clock, runBackgroundWork)
        {
            ConfigureMarten = marten => marten.Projections.FastPollingTime = TimeSpan.FromMilliseconds(50),
            KeyCacheTtl = Duration.FromSeconds(1),
            Messaging = new EventStore.Messaging.MessagingOptions
            {
                PollingInterval = TimeSpan.FromMilliseconds(200),
                RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500)],
                NodeHealthCheckInterval = TimeSpan.FromMilliseconds(500),
                AssignmentCheckInterval = TimeSpan.FromMilliseconds(500),
                FirstHealthCheckAfter = TimeSpan.Zero,
                StaleNodeTimeout = TimeSpan.FromSeconds(5),
            },
        };
        var app = ServeCommand.BuildApp(runtime, "http://127.0.0.1:0", configure: configure);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LedgerHost(app, cluster, connectionString, clock, new Uri(address), keys, ownsDatabase);
    }

    /// <summary>A new client without credentials (for a test that disposes its client).</summary>
    public HttpClient Anonymous() => ContractCheckingHandler.Client(Address);

    /// <summary>A client carrying a bearer token for <paramref name="role"/> acting as <paramref name="subject"/>.</summary>
    public HttpClient ClientAs(string role, Guid subject, Duration? lifetime = null)
    {
        var token = Services.GetRequiredService<TokenService>().Issue(role, subject, lifetime ?? Duration.FromHours(1));
        return ContractCheckingHandler.Client(Address, token);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        if (ownsDatabase)
        {
            await Cluster.DropDatabaseAsync(ConnectionString);
        }
    }
}
