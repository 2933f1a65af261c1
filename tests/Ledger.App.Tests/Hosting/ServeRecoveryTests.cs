using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// A <c>ledger serve</c> killed with SIGKILL leaves its local PostgreSQL running; the next command recognises the
/// server as left behind, says so in one line and takes it over, and the last one to stop stops it.
/// </summary>
[Collection(nameof(ExecutableCollection))]
public sealed class ServeRecoveryTests(ITestOutputHelper log) : IDisposable
{
    private readonly string home = LedgerExecutable.TemporaryPath("ledger-home-");

    [Fact]
    public async Task After_kill_9_serve_starts_again_unaided_stops_cleanly_and_a_command_after_another_kill_stops_the_server()
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

        await using (var second = ServeProcess.Start(home, ["--demo"]))
        {
            await second.WaitForAsync("ledger is listening on");
            log.WriteLine(second.Output);
            var line = Assert.Single(second.Output.Split('\n'), l => l.Contains("left behind", StringComparison.Ordinal));
            Assert.Contains($"was left behind by ledger serve (pid {killedPid.ToString(CultureInfo.InvariantCulture)}), which is gone: reusing it", line, StringComparison.Ordinal);
            Assert.Equal(leftBehind, LedgerExecutable.Postmaster(home));
            Assert.DoesNotContain("pg_ctl", second.Output, StringComparison.Ordinal);
            var verify = await LedgerExecutable.RunAsync(home, "verify");
            Assert.True(verify.Exit == 0, verify.ToString());

            // Stopped as Ctrl-C or docker stop would: exit 0, and the server it took over is stopped with it.
            Assert.Equal(0, await second.StopAsync());
            Assert.Null(LedgerExecutable.Postmaster(home));
            Assert.Empty(Directory.GetFiles(Path.Combine(home, "postgres", "clients")));
        }

        await using (var third = ServeProcess.Start(home))
        {
            await third.WaitForAsync("ledger is listening on");
            killedPid = third.Pid;
            third.KillHard();
        }

        // The next command, not a serve, takes the server over too, and as the last one using it stops it.
        var projections = await LedgerExecutable.RunAsync(home, "projections");

        Assert.True(projections.Exit == 0, projections.ToString());
        Assert.Contains($"left behind by ledger serve (pid {killedPid.ToString(CultureInfo.InvariantCulture)}), which is gone: reusing it", projections.Error, StringComparison.Ordinal);
        Assert.Contains("cabinet", projections.Output, StringComparison.Ordinal);
        Assert.Null(LedgerExecutable.Postmaster(home));
        Assert.False(File.Exists(Path.Combine(home, "postgres", "data", "postmaster.pid")));
    }

    public void Dispose() => LedgerExecutable.Remove(home);
}
