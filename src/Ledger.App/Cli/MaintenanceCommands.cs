using Ledger.App.Hosting;
using Ledger.EventStore.Verification;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary><c>ledger migrate</c> and <c>ledger verify</c>.</summary>
public static class MaintenanceCommands
{
    public static async Task<int> MigrateAsync(LedgerSettings settings, IClock clock, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, output);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var applied = await LedgerSchema.MigrateAsync(dataSource, settings.Schema, clock);
        await output.WriteLineAsync(applied.Count == 0 ? "schema is up to date" : $"applied migrations: {string.Join(", ", applied)}");
        return 0;
    }

    public static async Task<int> VerifyAsync(LedgerSettings settings, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, output);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var report = await new StoreVerifier(dataSource, settings.Schema).VerifyAsync();
        foreach (var issue in report.Issues)
        {
            await output.WriteLineAsync(issue.ToString());
        }

        await output.WriteLineAsync($"{report.StreamsChecked} streams, {report.EventsChecked} events checked: {(report.IsClean ? "no tampering found" : $"{report.Issues.Count} problem(s)")}");
        return report.IsClean ? 0 : 1;
    }
}
