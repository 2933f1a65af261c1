using System.Diagnostics;
using System.Globalization;

namespace Ledger.Benchmarks;

/// <summary>
/// CPU time used by this process and by a PostgreSQL cluster's processes (Linux /proc), so that a measurement can be
/// stated as CPU milliseconds per operation: steadier than a rate on a machine whose other tenants vary.
/// </summary>
internal sealed class CpuMeter(string? clusterDirectory)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public TimeSpan Ledger => Process.GetCurrentProcess().TotalProcessorTime;

    public TimeSpan Postgres
    {
        get
        {
            if (clusterDirectory is null || !File.Exists(Path.Combine(clusterDirectory, "data", "postmaster.pid")))
            {
                return TimeSpan.Zero;
            }

            var postmaster = int.Parse(File.ReadLines(Path.Combine(clusterDirectory, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);
            long ticks = 0;
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }

                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                    if (pid == postmaster || parent == postmaster)
                    {
                        ticks += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                    }
                }
                catch (IOException)
                {
                    // The process ended meanwhile.
                }
            }

            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
    }

    public (TimeSpan Ledger, TimeSpan Postgres) Sample() => (Ledger, Postgres);
}
