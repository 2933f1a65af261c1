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

    [Fact]
    public async Task A_leader_on_this_machine_whose_process_is_gone_is_shown_as_such()
    {
        var connectionString = await database.Cluster.CreateDatabaseAsync();
        Assert.Equal(0, (await RunAsync("migrate", "--connection", connectionString)).Exit);
        var gone = $"ledger serve (pid 99999999, {Environment.MachineName})";
        await using var leader = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = gone, Pooling = false }.ConnectionString);
        await leader.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", leader))
        {
            take.Parameters.AddWithValue("key", EventStore.Schema.LockKeys.Named("ledger", "projection_daemon"));
            await take.ExecuteNonQueryAsync();
        }

        var (exit, output, _) = await RunAsync("projections", "--connection", connectionString);
        await leader.CloseAsync();
        await database.Cluster.DropDatabaseAsync(connectionString);

        Assert.Equal(0, exit);
        Assert.Contains($"leader {gone} on 127.0.0.1 (process gone)", output, StringComparison.Ordinal);
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
