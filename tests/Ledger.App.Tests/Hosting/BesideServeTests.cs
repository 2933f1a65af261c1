using System.Globalization;
using Ledger.Testing;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// One <c>ledger serve --demo</c> with no connection string, in its own data directory, as the README's first command
/// runs it; the tests of <see cref="BesideServeTests"/> run the other commands beside it.
/// </summary>
public sealed class RunningLedger : IAsyncLifetime
{
    private ServeProcess? serve;

    public string Home { get; } = LedgerExecutable.TemporaryPath("ledger-home-");

    public ServeProcess Serve => serve ?? throw new InvalidOperationException("not started");

    /// <summary>The local PostgreSQL's postmaster once serve was ready.</summary>
    public int Postmaster { get; private set; }

    public async Task InitializeAsync()
    {
        serve = ServeProcess.Start(Home, ["--demo"]);
        await serve.WaitForAsync("ledger is listening on");
        Postmaster = LedgerExecutable.Postmaster(Home) ?? throw new InvalidOperationException("serve runs no local PostgreSQL:\n" + serve.Output);
    }

    public async Task DisposeAsync()
    {
        if (serve is not null)
        {
            await serve.DisposeAsync();
        }

        LedgerExecutable.Remove(Home);
    }
}

/// <summary>
/// Every command of the README, run as its own process without a connection string while <c>ledger serve</c> runs:
/// each uses serve's local PostgreSQL (no second server, no error), and leaves it running for serve.
/// </summary>
[Collection(nameof(ExecutableCollection))]
public sealed class BesideServeTests(RunningLedger ledger, ITestOutputHelper log) : IClassFixture<RunningLedger>
{
    [Theory]
    [InlineData("verify", "no tampering found")]
    [InlineData("projections", "cabinet")]
    [InlineData("dead-letters", "0 dead letter(s)")]
    [InlineData("migrate", "schema is up to date")]
    [InlineData("checkpoint", "signed with key")]
    [InlineData("export --out {file}", "events written to")]
    [InlineData("token --role patient", "eyJ")]
    [InlineData("token --organization 1027700132195", "eyJ")]
    [InlineData("health --url {url}", "healthy")]
    public async Task A_command_beside_a_running_serve_uses_its_local_PostgreSQL(string command, string expected)
    {
        var file = Path.Combine(ledger.Home, "export-" + Guid.NewGuid().ToString("N")[..6] + ".ndjson");
        var args = command.Replace("{file}", file, StringComparison.Ordinal).Replace("{url}", ledger.Serve.Address.ToString(), StringComparison.Ordinal).Split(' ');

        var run = await LedgerExecutable.RunAsync(ledger.Home, args);

        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ledger {command}: {run.Elapsed.TotalSeconds:F2} s"));
        Assert.True(run.Exit == 0, run.ToString());
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("pg_ctl", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("starting a local PostgreSQL", run.Error, StringComparison.Ordinal);
        if (args[0] is not ("health" or "token") || args[1] == "--organization")
        {
            Assert.Contains($"using the local PostgreSQL in {Path.Combine(ledger.Home, "postgres")} on port", run.Error, StringComparison.Ordinal);
            Assert.Contains($"(started for ledger serve (pid {ledger.Serve.Pid}))", run.Error, StringComparison.Ordinal);
        }

        Assert.True(run.Elapsed < TimeSpan.FromSeconds(20), run.ToString());
        Assert.Equal(ledger.Postmaster, LedgerExecutable.Postmaster(ledger.Home));
        Assert.Equal([ledger.Serve.Pid.ToString(CultureInfo.InvariantCulture)], Directory.GetFiles(Path.Combine(ledger.Home, "postgres", "clients")).Select(Path.GetFileName));
        Assert.False(ledger.Serve.HasExited, ledger.Serve.Output);
    }

    [Fact]
    public async Task Projections_name_the_serving_node_as_the_one_that_runs_them()
    {
        var expected = $"leader node 1 on {Environment.MachineName} (health check";
        LedgerRun run;
        var attempts = 0;
        do
        {
            run = await LedgerExecutable.RunAsync(ledger.Home, "projections");
        }
        while (!run.Output.Contains(expected, StringComparison.Ordinal) && ++attempts < 40 && await Delay());

        Assert.Equal(0, run.Exit);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("gone", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_patient_token_serve_printed_reads_the_cabinet()
    {
        var token = ledger.Serve.Output.Split('\n').Single(l => l.StartsWith("demo patient token: ", StringComparison.Ordinal))["demo patient token: ".Length..].Trim();
        using var http = ContractCheckingHandler.Client(ledger.Serve.Address, token);

        using var response = await http.GetAsync(new Uri("/api/v1/patients/me/documents", UriKind.Relative));

        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(500);
        return true;
    }
}
