using JasperFx.CodeGeneration;
using JasperFx.CodeGeneration.Model;
using Ledger.App.Hosting;
using NodaTime;

namespace Ledger.App.Cli;

/// <summary>
/// <c>ledger codegen</c>: writes the code Wolverine generates for the ledger's handlers into
/// <c>src/Ledger.App/Internal/Generated</c>, where release builds compile it and load it without Roslyn
/// (<see cref="TypeLoadMode.Static"/>). Runs from a debug build (which carries the runtime compiler); needs no database.
/// </summary>
public static class CodegenCommand
{
    public static async Task<int> RunAsync(string? outputDirectory, IClock clock, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var directory = Path.GetFullPath(outputDirectory ?? DefaultDirectory());
        DynamicCodeBuilder.WithinCodegenCommand = true;
        try
        {
            // The host is built, not started: no database is opened.
            var runtime = new LedgerRuntime("Host=127.0.0.1;Database=codegen", "ledger", LedgerKeys.Ephemeral(), clock, RunBackgroundWork: false)
            {
                CodeMode = TypeLoadMode.Dynamic,
                GeneratedCodePath = directory,
            };
            await using var app = ServeCommand.BuildApp(runtime, urls: null);
            var collections = app.Services.GetServices<ICodeFileCollection>().ToArray();
            if (collections.Length == 0)
            {
                throw new InvalidOperationException("Wolverine registered no generated code");
            }

            var builder = new DynamicCodeBuilder(app.Services, collections) { ServiceVariableSource = app.Services.GetService<IServiceVariableSource>() };
            builder.DeleteAllGeneratedCode();
            var files = new List<string>();
            builder.WriteGeneratedCode(files.Add);
            foreach (var file in files.Order(StringComparer.Ordinal))
            {
                await output.WriteLineAsync($"wrote {file}");
            }

            await output.WriteLineAsync($"{files.Count} generated file(s) in {directory}");
            return 0;
        }
        finally
        {
            DynamicCodeBuilder.WithinCodegenCommand = false;
        }
    }

    /// <summary><c>src/Ledger.App/Internal/Generated</c> of the checkout this command runs from.</summary>
    public static string DefaultDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var project = Path.Combine(directory.FullName, "src", "Ledger.App");
            if (File.Exists(Path.Combine(project, "Ledger.App.csproj")))
            {
                return Path.Combine(project, "Internal", "Generated");
            }
        }

        throw new UsageException("not run from a checkout of the ledger: give --output DIR");
    }
}
