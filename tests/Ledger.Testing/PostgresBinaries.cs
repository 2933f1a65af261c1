namespace Ledger.Testing;

/// <summary>Finds <c>initdb</c> and <c>pg_ctl</c> on PATH or in Debian's versioned directories.</summary>
public sealed record PostgresBinaries(string InitDb, string PgCtl)
{
    /// <summary>PostgreSQL refuses to run as root; commands then go through <c>runuser -u postgres</c>.</summary>
    public static bool RunningAsRoot => Environment.UserName == "root";

    public static PostgresBinaries Find()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderDescending().Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var directory in candidates)
        {
            var initDb = Path.Combine(directory, "initdb");
            var pgCtl = Path.Combine(directory, "pg_ctl");
            if (File.Exists(initDb) && File.Exists(pgCtl))
            {
                return new PostgresBinaries(initDb, pgCtl);
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or in /usr/lib/postgresql/*/bin; install postgresql-15 or set LEDGER_TEST_CONNECTION");
    }

    public static (string File, IReadOnlyList<string> Arguments) Command(string file, IReadOnlyList<string> arguments, bool asPostgres) =>
        asPostgres ? ("runuser", ["-u", "postgres", "--", file, .. arguments]) : (file, arguments);
}
