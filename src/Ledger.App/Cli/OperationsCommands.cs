using System.Globalization;
using Ledger.App.Hosting;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using NodaTime;

namespace Ledger.App.Cli;

/// <summary>
/// <c>ledger projections</c> and <c>ledger dead-letters</c>: the operator's view of the background work. They act
/// through the database, so they work against running nodes: a rebuild is done by the command itself, beside the
/// live tables, and swapped in; the node that runs the projection goes on from where the rebuilt tables stand.
/// </summary>
public static class OperationsCommands
{
    public static async Task<int> ProjectionsAsync(CommandLine command, LedgerSettings settings, IClock clock, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, log);
        await using var app = ServeCommand.BuildApp(new LedgerRuntime(database.ConnectionString, settings.Schema, LedgerKeys.Load(settings.Home, log), clock, RunBackgroundWork: false), urls: null);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
        var operations = app.Services.GetRequiredService<ProjectionOperations>();
        if (command.Get("resume") is { } resume)
        {
            await operations.ResumeAsync(Known(operations, resume));
            await output.WriteLineAsync($"{resume}: rebuilt with the events that had failed (after the fix) and cleared them as failures");
        }
        else if (command.Get("skip") is { } skip)
        {
            var reason = command.Get("reason") ?? throw new UsageException("--skip needs --reason TEXT (it is recorded with the skipped event)");
            await operations.SkipAsync(Known(operations, skip), reason);
            await output.WriteLineAsync($"{skip}: the events set aside stay unapplied; the acknowledgement and its reason are recorded");
        }
        else if (command.Get("rebuild") is { } rebuild)
        {
            await operations.RebuildAsync(Known(operations, rebuild));
            await output.WriteLineAsync($"{rebuild}: rebuilt beside the live tables and swapped in");
        }

        var skipped = await operations.CountHighWaterSkipsAsync();
        if (skipped > 0)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"Marten skipped {skipped} sequence range(s) no transaction could still fill (rolled-back appends, abandoned reservations): mt_high_water_skips"));
        }

        foreach (var status in await operations.GetStatusAsync())
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{status.Name,-24} {status.State.ToString().ToLowerInvariant(),-10} behind {status.EventsBehind} events / {status.SecondsBehind:F1} s  leader {Leader(status.Leader)}{(status.LastError is null ? string.Empty : $"  failed at position {status.FailedPosition}: {status.LastError}")}"));
        }

        return 0;
    }

    public static async Task<int> DeadLettersAsync(CommandLine command, LedgerSettings settings, IClock clock, TextWriter output, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(output);
        await using var database = await Database.OpenAsync(settings, log);
        await using var app = ServeCommand.BuildApp(new LedgerRuntime(database.ConnectionString, settings.Schema, LedgerKeys.Load(settings.Home, log), clock, RunBackgroundWork: false), urls: null);
        await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
        var deadLetters = new DeadLetters(app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), settings.Schema);
        if (command.Get("replay") is { } replay)
        {
            if (!Guid.TryParse(replay, out var id))
            {
                throw new UsageException($"--replay needs a message id (a uuid), not '{replay}'");
            }

            if (!await deadLetters.ReplayAsync(id))
            {
                throw new UsageException($"no dead letter with id {id}");
            }

            await output.WriteLineAsync($"{id}: marked for replay; a running node moves it back into its queue within its polling interval");
            return 0;
        }

        var letters = await deadLetters.ListAsync(command.GetInt("limit") ?? 100);
        foreach (var letter in letters)
        {
            // The body is not printed: an operator needs the id, the type and the error to decide on a replay.
            var state = letter.Replayable ? " (replay requested)" : string.Empty;
            await output.WriteLineAsync($"{letter.MessageId} {letter.MessageType} sent {letter.SentAt:O}{state}: {letter.ExceptionType}: {letter.ExceptionMessage.ReplaceLineEndings(" ")}");
        }

        await output.WriteLineAsync($"{letters.Count} dead letter(s)");
        return 0;
    }

    /// <summary>The node that runs the projection (Wolverine's node number, host and last health check), or "none".</summary>
    internal static string Leader(string? leader) => leader ?? "none";

    private static string Known(ProjectionOperations operations, string name) =>
        operations.Projections.Any(p => p.Name == name)
            ? name
            : throw new UsageException($"no projection named '{name}' (known: {string.Join(", ", operations.Projections.Select(p => p.Name))})");
}
