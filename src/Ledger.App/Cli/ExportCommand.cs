using Ledger.App.Compliance;
using Ledger.App.Hosting;
using Npgsql;

namespace Ledger.App.Cli;

/// <summary><c>ledger export --out FILE [--from T] [--to T] [--stream-type T] [--patient ID]</c>: the compliance NDJSON export to a file.</summary>
public static class ExportCommand
{
    public static async Task<int> RunAsync(CommandLine command, LedgerSettings settings, TextWriter output, TextWriter error)
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
