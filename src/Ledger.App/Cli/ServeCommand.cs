using System.Text.Json.Serialization;
using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Identity;
using Ledger.App.Http.OpenApi;
using Ledger.App.Security;
using Ledger.App.Web;
using NodaTime;
using Scalar.AspNetCore;

namespace Ledger.App.Cli;

/// <summary><c>ledger serve</c>: migrate, then run the HTTP API and the background work until stopped.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(LedgerSettings settings, string urls, IClock clock, TextWriter output, bool demo = false, int? mllpPort = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, output);
        var keys = LedgerKeys.Load(settings.Home, output);
        await using var app = BuildApp(
            new LedgerRuntime(database.ConnectionString, settings.Schema, keys, clock),
            urls,
            configure: mllpPort is { } port ? b => b.Configuration[Ingestion.IngestionFeature.MllpPortKey] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();

        // Started before the demo data: its registrations send follow-up messages, which need Wolverine running.
        await app.StartAsync();
        if (demo)
        {
            await new Demo.DemoData(app.Services.GetRequiredService<Streams.CommandExecutor>(), app.Services.GetRequiredService<TokenService>(), clock).SeedAsync(output);
        }

        await output.WriteLineAsync($"ledger is listening on {urls} (health: {urls.Split(';')[0].TrimEnd('/')}/health)");
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The web application with every feature mapped; also used by the HTTP tests.</summary>
    public static WebApplication BuildApp(LedgerRuntime runtime, string? urls, IReadOnlyList<ILedgerFeature>? features = null, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        features ??= LedgerFeatures.All;
        var builder = WebApplication.CreateSlimBuilder();
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        // Marten logs every schema change as SQL and Wolverine its start-up steps at Information: warnings are enough.
        builder.Logging.AddFilter("Marten", LogLevel.Warning);
        builder.Logging.AddFilter("Wolverine", LogLevel.Warning);
        builder.Logging.AddFilter("JasperFx", LogLevel.Warning);
        builder.Services.AddLedger(runtime, features);
        builder.Services.AddSingleton<TokenService>();
        builder.Services.AddAuthorization();
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemTypes.Complete);
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();

        // A body the framework cannot bind is thrown to the exception handler, which names the field at fault.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddLedgerHttpPolicies();
        builder.Services.AddLedgerOpenApi();
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            foreach (var converter in Domain.Serialization.DomainJson.Options.Converters.Where(c => c is not JsonStringEnumConverter))
            {
                options.SerializerOptions.Converters.Add(converter);
            }

            // What the document says is what is accepted: enumerations only in camelCase, numbers only as numbers.
            options.SerializerOptions.Converters.Add(new CamelCaseEnumConverterFactory());
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        configure?.Invoke(builder);

        // After the caller's configuration: the identity settings decide which schemes exist (docs/identity.md).
        builder.Services.AddLedgerAuthentication(builder.Configuration);

        var app = builder.Build();
        app.UseLedgerTransport();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseLedgerRateLimits();
        app.UseLedgerWeb();
        app.UseAuthorization();
        app.MapOpenApi(LedgerOpenApi.DocumentPattern).AllowAnonymous();
        app.MapScalarApiReference(LedgerOpenApi.PagePath, options => options.WithTitle("Ledger API").WithOpenApiRoutePattern(LedgerOpenApi.DocumentPattern)).AllowAnonymous();
        foreach (var feature in features)
        {
            feature.MapEndpoints(app);
        }

        return app;
    }
}
