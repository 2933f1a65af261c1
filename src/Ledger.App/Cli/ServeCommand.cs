using Ledger.App.Health;
using Ledger.App.Hosting;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary><c>ledger serve</c>: migrate, then run the HTTP API until stopped.</summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(LedgerSettings settings, string urls, IClock clock, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        await using var database = await Database.OpenAsync(settings, output);
        await using var app = BuildApp(database.ConnectionString, settings.Schema, urls, clock);
        await using (var dataSource = NpgsqlDataSource.Create(database.ConnectionString))
        {
            await LedgerSchema.MigrateAsync(dataSource, settings.Schema, clock);
        }

        await output.WriteLineAsync($"ledger is listening on {urls} (health: {urls.Split(';')[0].TrimEnd('/')}/health)");
        await app.RunAsync();
        return 0;
    }

    /// <summary>The web application with every feature mapped; also used by the HTTP tests.</summary>
    public static WebApplication BuildApp(string connectionString, string schema, string? urls, IClock clock, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }

        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSingleton(clock);
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.Services.AddSingleton(sp => LedgerComposition.CreateStore(sp.GetRequiredService<NpgsqlDataSource>(), schema, clock));
        builder.Services.AddProblemDetails();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapHealth();
        return app;
    }
}
