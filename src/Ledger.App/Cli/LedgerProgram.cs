using Ledger.App.Hosting;
using Microsoft.Extensions.Configuration;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary>The <c>ledger</c> command line: one verb per operation (<see cref="Commands"/>).</summary>
public static class LedgerProgram
{
    public static async Task<int> RunAsync(string[] args, IClock clock, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables("LEDGER__").Build();
            if (args.Length == 0)
            {
                throw new UsageException($"no command given (one of {Commands.Names}; ledger help explains them)");
            }

            if (args[0] is "--help" or "-h")
            {
                args = ["help", .. args[1..]];
            }

            var spec = Commands.Find(args[0]) ?? throw new UsageException($"unknown command '{args[0]}' (one of {Commands.Names}; ledger help)");
            if (spec.Name == "help")
            {
                return await HelpAsync(args, configuration, output);
            }

            if (spec.Name == "account")
            {
                // The one command with an action word: ledger account create [options].
                args = args.Length > 1 && args[1] == "create" ? ["account", .. args[2..]]
                    : args.Length > 1 && args[1] is "--help" or "-h" ? args
                    : throw new UsageException("account needs an action: ledger account create --patient UUID --login L [--password-stdin]");
            }

            if (spec.Name == "verify-file" && args.Length > 1 && !args[1].StartsWith('-'))
            {
                // The file is the first word: ledger verify-file FILE [options].
                args = ["verify-file", "--file", args[1], .. args[2..]];
            }

            var command = CommandLine.Parse(args, spec);
            if (command.WantsHelp)
            {
                await output.WriteLineAsync(spec.Help());
                return 0;
            }

            var settings = LedgerSettings.From(configuration, command.Get("connection")) with { Command = command.Verb };
            return command.Verb switch
            {
                "serve" => await ServeCommand.RunAsync(settings, command.Get("urls") ?? "http://127.0.0.1:5080", clock, output, command.Has("demo"), command.GetInt("mllp-port")),
                "migrate" => await MaintenanceCommands.MigrateAsync(settings, clock, output, error),
                "account" => await AccountCommand.RunAsync(command, settings, clock, Console.In, output, error),
                "token" => await TokenCommand.RunAsync(command, settings, clock, output, error),
                "projections" => await OperationsCommands.ProjectionsAsync(command, settings, clock, output, error),
                "dead-letters" => await OperationsCommands.DeadLettersAsync(command, settings, clock, output, error),
                "export" => await ExportCommand.RunAsync(command, settings, clock, output, error),
                "health" => await HealthCommand.RunAsync(command.Get("url") ?? "http://127.0.0.1:5080", output, error),
                "codegen" => await CodegenCommand.RunAsync(command.Get("output"), clock, output),
                "verify" => await MaintenanceCommands.VerifyAsync(settings, command.Get("public-key"), output, error),
                "verify-file" => await VerifyFileCommand.RunAsync(command, settings, output, error),
                "checkpoint" => await MaintenanceCommands.CheckpointAsync(settings, clock, command.Has("public-key"), output, error),
                _ => throw new UsageException($"unknown command '{command.Verb}' (ledger help)"),
            };
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync("ledger: " + ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("ledger: " + ex.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }

    /// <summary><c>ledger help</c>: the commands and the data directory; <c>ledger help NAME</c>: one command's options.</summary>
    private static async Task<int> HelpAsync(string[] args, IConfiguration configuration, TextWriter output)
    {
        if (args.Length > 2)
        {
            throw new UsageException("help takes at most one command name (ledger help COMMAND)");
        }

        if (args.Length == 2)
        {
            var about = Commands.Find(args[1] is "--help" or "-h" ? "help" : args[1]) ?? throw new UsageException($"unknown command '{args[1]}' (one of {Commands.Names})");
            await output.WriteLineAsync(about.Help());
            return 0;
        }

        await output.WriteLineAsync(Commands.Usage(LedgerSettings.From(configuration, null).Home));
        return 0;
    }
}
