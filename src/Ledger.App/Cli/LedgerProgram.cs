using Ledger.App.Hosting;
using Microsoft.Extensions.Configuration;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary>The <c>ledger</c> command line: one verb per operation.</summary>
public static class LedgerProgram
{
    public const string Usage = """
        usage: ledger <command> [options]

        commands:
          serve    run the HTTP API (migrates first); without a connection string a local PostgreSQL is started
                   options: --urls URL (default http://127.0.0.1:5080), --connection CS, --demo (seed demo data, print tokens),
                   --mllp-port N (HL7 v2 over MLLP)
          migrate  create or upgrade the database schema     options: --connection CS
          verify   recompute every hash, check the signed checkpoints, report tampering
                   options: --connection CS, --public-key PEM-FILE (default: the configured signing key's)
          checkpoint  take a signed checkpoint of every stream head now   options: --connection CS;
                   --public-key prints the auditor's public key instead
          token    print a development bearer token            options: --role R --subject UUID [--hours N]
                   or a delivery token of an enabled organisation: --organization ОГРН [--hours N] [--connection CS]
          projections  state and lag of every projection      options: [--resume NAME | --skip NAME --reason TEXT | --rebuild NAME]
          dead-letters messages that failed every attempt      options: [--replay MESSAGE-ID] [--limit N]
          export   write the compliance NDJSON export to a file  options: --out FILE [--from T] [--to T]
                   [--stream-type T] [--patient UUID] [--connection CS]; check it with tools/verify_export.py
          codegen  write Wolverine's handler code for release builds   options: --output DIR
                   (default src/Ledger.App/Internal/Generated; run it from a debug build after changing a handler)
          help     print this text

        The connection string comes from --connection, the LEDGER_CONNECTION variable or ConnectionStrings:Ledger;
        when none is given, a local PostgreSQL is kept under .ledger/ (or LEDGER_HOME).
        """;

    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "help", "demo" };

    private static readonly HashSet<string> CheckpointFlags = new(StringComparer.Ordinal) { "help", "public-key" };

    public static async Task<int> RunAsync(string[] args, IClock clock, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var command = CommandLine.Parse(args, args.FirstOrDefault() == "checkpoint" ? CheckpointFlags : Flags);
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables("LEDGER__").Build();
            var settings = LedgerSettings.From(configuration, command.Get("connection"));
            switch (command.Verb)
            {
                case "help" or "--help" or "-h":
                    await output.WriteLineAsync(Usage);
                    return 0;
                case "serve":
                    command.AllowOnly("urls", "connection", "demo", "mllp-port");
                    return await ServeCommand.RunAsync(settings, command.Get("urls") ?? "http://127.0.0.1:5080", clock, output, command.Has("demo"), command.GetInt("mllp-port"));
                case "migrate":
                    command.AllowOnly("connection");
                    return await MaintenanceCommands.MigrateAsync(settings, clock, output);
                case "token":
                    command.AllowOnly("role", "subject", "hours", "organization", "connection");
                    return await TokenCommand.RunAsync(command, settings, clock, output, error);
                case "projections":
                    command.AllowOnly("connection", "resume", "skip", "reason", "rebuild");
                    return await OperationsCommands.ProjectionsAsync(command, settings, clock, output, error);
                case "dead-letters":
                    command.AllowOnly("connection", "replay", "limit");
                    return await OperationsCommands.DeadLettersAsync(command, settings, clock, output, error);
                case "export":
                    command.AllowOnly("out", "from", "to", "stream-type", "patient", "connection");
                    return await ExportCommand.RunAsync(command, settings, output, error);
                case "codegen":
                    command.AllowOnly("output");
                    return await CodegenCommand.RunAsync(command.Get("output"), clock, output);
                case "verify":
                    command.AllowOnly("connection", "public-key");
                    return await MaintenanceCommands.VerifyAsync(settings, command.Get("public-key"), output, error);
                case "checkpoint":
                    command.AllowOnly("connection", "public-key");
                    return await MaintenanceCommands.CheckpointAsync(settings, clock, command.Has("public-key"), output, error);
                default:
                    throw new UsageException($"unknown command '{command.Verb}' (try: ledger help)");
            }
        }
        catch (UsageException ex)
        {
            await error.WriteLineAsync("ledger: " + ex.Message);
            return 2;
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
        {
            await error.WriteLineAsync("ledger: " + ex.Message.ReplaceLineEndings(" "));
            return 1;
        }
    }
}
