using Ledger.App.Cli;
using Ledger.Testing;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Hosting;

public sealed class CommandLineTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>, IDisposable
{
    private readonly string home = Path.Combine(Path.GetTempPath(), "ledger-home-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Migrate_then_verify_a_clean_store_exits_0_and_a_tampered_one_exits_1_naming_the_row()
    {
        var (exit, output, _) = await RunAsync("migrate", "--connection", database.ConnectionString);
        Assert.Equal(0, exit);
        Assert.Contains("applied migrations", output, StringComparison.Ordinal);
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var store = CommandLineSamples.Store(dataSource);
        var stream = Guid.NewGuid();
        await store.AppendAsync(stream, "organization", EventStore.ExpectedVersion.NoStream, [EventStore.EventToAppend.New(CommandLineSamples.Organization())]);

        var clean = await RunAsync("verify", "--connection", database.ConnectionString);
        await using (var tamper = dataSource.CreateCommand($"UPDATE ledger.mt_events SET bdata = overlay(bdata PLACING convert_to('forged', 'UTF8') FROM 12) WHERE stream_id = '{stream}'"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var tampered = await RunAsync("verify", "--connection", database.ConnectionString);

        Assert.Equal(0, clean.Exit);
        Assert.Contains("no tampering found", clean.Output, StringComparison.Ordinal);
        Assert.Equal(1, tampered.Exit);
        Assert.Contains($"Changed: stream {stream} version 1", tampered.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_commands_report_and_refuse_unknown_names_in_one_line()
    {
        var projections = await RunAsync("projections", "--connection", database.ConnectionString);
        var unknown = await RunAsync("projections", "--connection", database.ConnectionString, "--resume", "nosuch");
        var letters = await RunAsync("dead-letters", "--connection", database.ConnectionString);
        var badReplay = await RunAsync("dead-letters", "--connection", database.ConnectionString, "--replay", "yesterday");
        var skipWithoutReason = await RunAsync("projections", "--connection", database.ConnectionString, "--skip", "cabinet");

        Assert.Equal(0, projections.Exit);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("no projection named 'nosuch'", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(0, letters.Exit);
        Assert.Contains("0 dead letter(s)", letters.Output, StringComparison.Ordinal);
        Assert.Equal(2, badReplay.Exit);
        Assert.Contains("--replay needs a message id", badReplay.Error, StringComparison.Ordinal);
        Assert.Equal(2, skipWithoutReason.Exit);
        Assert.Single(skipWithoutReason.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("ledger: ", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(home))
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        Environment.SetEnvironmentVariable("LEDGER_HOME", home);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await LedgerProgram.RunAsync(args, FakeClock.At(2026, 3, 2), output, error);
        return (exit, output.ToString(), error.ToString());
    }
}

/// <summary>Small builders for the command-line tests.</summary>
internal static class CommandLineSamples
{
    public static EventStore.EventStore Store(NpgsqlDataSource dataSource) =>
        App.Hosting.LedgerComposition.CreateStore(dataSource, "ledger", FakeClock.At(2026, 3, 2));

    public static Domain.Organizations.OrganizationRegistered Organization() => new(
        new Domain.Identifiers.OrganizationId(Guid.NewGuid()),
        Domain.Identifiers.Inn.Parse("7707083893"),
        Domain.Identifiers.Ogrn.Parse("1027700132195"),
        Domain.Organizations.OrganizationType.Laboratory,
        "Лаборатория",
        "1.2.643.5.1.13.13.12.2.77.7973");
}
