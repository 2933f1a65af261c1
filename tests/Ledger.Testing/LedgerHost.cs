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
    private LedgerHost(WebApplication app, PostgresCluster cluster, string connectionString, FakeClock clock, Uri address)
    {
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

    /// <summary>A client without credentials. Like every client of the host, it checks each response against the OpenAPI document.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => App.Services;

    /// <summary>Starts the app; on the shared test cluster unless another (e.g. a durable one) is given.</summary>
    public static async Task<LedgerHost> StartAsync(Action<WebApplicationBuilder>? configure = null, bool runBackgroundWork = true, FakeClock? clock = null, PostgresCluster? cluster = null)
    {
        cluster ??= await PostgresCluster.SharedAsync();
        var connectionString = await cluster.CreateDatabaseAsync("app");
        clock ??= FakeClock.At(2026, 3, 2);
        var runtime = new LedgerRuntime(connectionString, "ledger", LedgerKeys.Ephemeral(), clock, runBackgroundWork)
        {
            DaemonOptions = new EventStore.Projections.ProjectionDaemonOptions { LeadershipRetryInterval = TimeSpan.FromMilliseconds(200) },
            ConfigureMarten = marten => marten.Projections.FastPollingTime = TimeSpan.FromMilliseconds(50),
            KeyCacheTtl = Duration.FromSeconds(1),
            Messaging = new EventStore.Messaging.MessagingOptions { PollingInterval = TimeSpan.FromMilliseconds(200), RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500)] },
        };
        var app = ServeCommand.BuildApp(runtime, "http://127.0.0.1:0", configure: configure);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LedgerHost(app, cluster, connectionString, clock, new Uri(address));
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
        await Cluster.DropDatabaseAsync(ConnectionString);
    }
}
