using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// A <c>ledger serve</c> killed with SIGKILL leaves its local PostgreSQL running; the next command recognises the
/// server as left behind, says so in one line and takes it over, and the last one to stop stops it.
/// </summary>
public sealed class ServeRecoveryTests(ITestOutputHelper log) : IDisposable
{
    private readonly string home = LedgerExecutable.TemporaryPath("ledger-home-");

    [Fact]
    public async Task After_kill_9_of_serve_serve_starts_again_unaided_and_stops_its_server_when_stopped()
    {
        int killedPid;
        await using (var first = ServeProcess.Start(home))
        {
            await first.WaitForAsync("ledger is listening on");
            killedPid = first.Pid;
            first.KillHard();
        }

        var leftBehind = LedgerExecutable.Postmaster(home);
        Assert.NotNull(leftBehind);

        await using var second = ServeProcess.Start(home, ["--demo"]);
        await second.WaitForAsync("ledger is listening on");
        log.WriteLine(second.Output);

        var line = Assert.Single(second.Output.Split('\n'), l => l.Contains("left behind", StringComparison.Ordinal));
        Assert.Contains($"was left behind by ledger serve (pid {killedPid.ToString(CultureInfo.InvariantCulture)}), which is gone: reusing it", line, StringComparison.Ordinal);
        Assert.Equal(leftBehind, LedgerExecutable.Postmaster(home));
        Assert.DoesNotContain("pg_ctl", second.Output, StringComparison.Ordinal);

        var verify = await LedgerExecutable.RunAsync(home, "verify");
        Assert.True(verify.Exit == 0, verify.ToString());

        Assert.Equal(0, await second.StopAsync());
        Assert.Null(LedgerExecutable.Postmaster(home));
        Assert.False(File.Exists(Path.Combine(home, "postgres", "data", "postmaster.pid")));
    }

    [Fact]
    public async Task A_command_run_after_serve_was_killed_takes_the_server_over_and_stops_it()
    {
        await using (var serve = ServeProcess.Start(home))
        {
            await serve.WaitForAsync("ledger is listening on");
            serve.KillHard();
        }

        var projections = await LedgerExecutable.RunAsync(home, "projections");

        Assert.True(projections.Exit == 0, projections.ToString());
        Assert.Contains("which is gone: reusing it", projections.Error, StringComparison.Ordinal);
        Assert.Contains("leader none", projections.Output, StringComparison.Ordinal);
        Assert.Null(LedgerExecutable.Postmaster(home));
    }

    public void Dispose() => LedgerExecutable.Remove(home);
}
