using System.Security.Cryptography;
using System.Text;
using Ledger.App.AccessJournal;
using Ledger.App.Compliance;
using Ledger.App.Hosting;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary>
/// <c>ledger export --out FILE [--from T] [--to T] [--stream-type T] [--patient ID]</c>: the compliance NDJSON export to a
/// file. Like an export over HTTP it is an access event, recorded before the first byte: in the patient's access stream
/// when filtered to one, otherwise in the access stream of the command line (<see cref="CommandLineActorId"/>).
/// </summary>
public static class ExportCommand
{
    /// <summary>The actor id of the command line (a system actor), fixed so that an auditor can read its access stream.</summary>
    public static Guid CommandLineActorId { get; } = new(SHA256.HashData(Encoding.UTF8.GetBytes("ledger:command-line"))[..16]);

    public static async Task<int> RunAsync(CommandLine command, LedgerSettings settings, IClock clock, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var path = command.Get("out") ?? throw new UsageException("export needs --out FILE");
        var (filter, field, reason) = ComplianceExporter.ParseFilter(command.Get("from"), command.Get("to"), command.Get("stream-type"), command.Get("patient"));
        if (filter is null)
        {
            throw new UsageException($"--{(field == "streamType" ? "stream-type" : field)}: {reason}");
        }

        await using var database = await Database.OpenAsync(settings, error);
        await using (var app = ServeCommand.BuildApp(new LedgerRuntime(database.ConnectionString, settings.Schema, LedgerKeys.Load(settings.Home, error), clock, RunBackgroundWork: false), urls: null))
        {
            await app.Services.GetRequiredService<LedgerStartup>().EnsureReadyAsync();
            var actor = new Actor(ActorKind.System, new ActorId(CommandLineActorId));
            await app.Services.GetRequiredService<AccessRecorder>().AccessedAsync(filter.Patient is { } subject
                ? new AccessEntry(new PatientId(subject), actor, null, "compliance export from the command line", null, AccessChannel.Export, "command line")
                : AccessRecorder.OwnStream(actor, "compliance export of every patient from the command line" + ComplianceEndpoints.Describe(filter), AccessChannel.Export, "command line"));
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var temporary = path + ".partial";
        ExportSummary summary;
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            summary = await new ComplianceExporter(dataSource, settings.Schema).ExportAsync(file, filter, new SynchronousProgress(n => error.Write($"\rexported {n} events")));
        }

        File.Move(temporary, path, overwrite: true);
        await error.WriteLineAsync();
        await output.WriteLineAsync($"{summary.Count} events written to {path}; sha256 {summary.Sha256}");
        return 0;
    }

    /// <summary>Reports on the caller's thread, so progress lines never interleave with the final line.</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
