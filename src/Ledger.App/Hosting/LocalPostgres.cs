using System.Diagnostics;
using System.Globalization;
using Ledger.EventStore.Hosting;
using Npgsql;

namespace Ledger.App.Hosting;

/// <summary>
/// The local PostgreSQL of one data directory, shared by every ledger process that uses the directory. The first one
/// starts the server; the others find it through the <c>postmaster.pid</c> PostgreSQL writes in its data directory
/// (the server's process id and port). Each process records itself under <c>clients/</c> while it uses the server,
/// and the last one to leave stops it. A server none of whose recorded processes is alive any more (the ledger was
/// killed, crashed or lost its terminal) was left behind: the next process says so in one line and takes it over.
/// Joining and leaving happen under an exclusive lock on <c>server.lock</c>, which the operating system releases
/// when its holder dies, so two commands never both start a server.
/// </summary>
public sealed class LocalPostgres
{
    private const string LedgerDatabase = "ledger";

    private static readonly TimeSpan LockWait = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(30);

    private readonly string clientFile;

    private LocalPostgres(PostgresServer server, string clientFile)
    {
        Server = server;
        this.clientFile = clientFile;
    }

    public PostgresServer Server { get; }

    /// <summary>The connection string of the <c>ledger</c> database on the server.</summary>
    public string ConnectionString => Server.ConnectionString(LedgerDatabase);

    /// <summary>
    /// Uses the server running for <paramref name="directory"/>, or takes over one left behind, or starts it; then
    /// records this process (running <paramref name="command"/>) as one of its clients. One line on
    /// <paramref name="log"/> says which.
    /// </summary>
    public static async Task<LocalPostgres> JoinAsync(string directory, string command, TextWriter log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(log);
        directory = Path.GetFullPath(directory);
        var clients = Path.Combine(directory, "clients");
        Directory.CreateDirectory(clients);
        await using var gate = await LockAsync(directory, cancellationToken);
        var (live, gone) = Clients(clients);
        var server = await RunningAsync(directory, log, cancellationToken);
        if (server is null)
        {
            await log.WriteLineAsync($"no connection string given: starting a local PostgreSQL in {directory}");
            server = await PostgresServer.StartAsync(directory, durable: true, cancellationToken: cancellationToken);
        }
        else if (live.Count > 0)
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"using the local PostgreSQL in {directory} on port {server.Port} (started for {live[0]})"));
        }
        else
        {
            var owner = gone.Count > 0 ? $"{gone[^1]}, which is gone" : "no running ledger";
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"the local PostgreSQL in {directory} on port {server.Port} was left behind by {owner}: reusing it"));
        }

        await EnsureDatabaseAsync(server, cancellationToken);
        var file = Path.Combine(clients, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        await File.WriteAllTextAsync(file, Client.Current(command).Serialize(), cancellationToken);
        return new LocalPostgres(server, file);
    }

    /// <summary>Removes this process from the server's clients and stops the server when no other client is alive.</summary>
    public async Task LeaveAsync()
    {
        var directory = Path.GetDirectoryName(Path.GetDirectoryName(clientFile))!;
        await using var gate = await LockAsync(directory, CancellationToken.None);
        File.Delete(clientFile);
        if (Clients(Path.GetDirectoryName(clientFile)!).Live.Count == 0)
        {
            Server.Stop();
        }
    }

    /// <summary>The server PostgreSQL's <c>postmaster.pid</c> names, when its process runs and answers.</summary>
    private static async Task<PostgresServer?> RunningAsync(string directory, TextWriter log, CancellationToken cancellationToken)
    {
        string[] lines;
        try
        {
            lines = await File.ReadAllLinesAsync(Path.Combine(directory, "data", "postmaster.pid"), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        // Line 1 is the postmaster's process id, line 4 its port. A file whose process is gone is stale: PostgreSQL
        // removes it itself when it starts.
        if (lines.Length < 4
            || !int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !IsPostgres(pid))
        {
            return null;
        }

        var server = PostgresServer.Attach(directory, port);
        var waited = Stopwatch.StartNew();
        while (IsPostgres(pid))
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { Pooling = false, Timeout = 5 };
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                return server;
            }
            catch (NpgsqlException) when (waited.Elapsed < AnswerWait)
            {
                // Starting up, recovering after a crash or shutting down: wait for it to answer or to end.
                await Task.Delay(250, cancellationToken);
            }
            catch (NpgsqlException)
            {
                await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"the local PostgreSQL in {directory} (pid {pid}) does not answer on port {port}: restarting it"));
                server.Stop(immediate: true);
                return null;
            }
        }

        return null;
    }

    private static bool IsPostgres(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName == "postgres";
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static async Task EnsureDatabaseAsync(PostgresServer server, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(server.ConnectionString("postgres")) { Pooling = false };
        await using var admin = new NpgsqlConnection(builder.ConnectionString);
        await admin.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @n", admin);
        exists.Parameters.AddWithValue("n", LedgerDatabase);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {LedgerDatabase}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The recorded clients, alive and gone (oldest first); the records of gone ones are removed.</summary>
    private static (List<Client> Live, List<Client> Gone) Clients(string directory)
    {
        var live = new List<Client>();
        var gone = new List<Client>();
        foreach (var file in Directory.GetFiles(directory))
        {
            var client = Client.Parse(File.ReadAllText(file));
            if (client is not null && client.IsAlive())
            {
                live.Add(client);
                continue;
            }

            if (client is not null)
            {
                gone.Add(client);
            }

            File.Delete(file);
        }

        return ([.. live.OrderBy(c => c.Started)], [.. gone.OrderBy(c => c.Started)]);
    }

    /// <summary>The exclusive lock on <c>server.lock</c>, waited for while another ledger process starts or stops the server.</summary>
    private static async Task<FileStream> LockAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, "server.lock");
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (waited.Elapsed < LockWait)
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (IOException ex)
            {
                throw new InvalidOperationException($"another ledger process has been starting or stopping the local PostgreSQL in {directory} for {LockWait.TotalMinutes} minutes ({path}: {ex.Message})", ex);
            }
        }
    }

    /// <summary>A ledger process using the server, told apart from a later process with the same id by its start.</summary>
    private sealed record Client(int Pid, long Started, string Command)
    {
        public static Client Current(string command) => new(Environment.ProcessId, StartOf(Environment.ProcessId) ?? 0, command);

        public static Client? Parse(string text)
        {
            var lines = text.Split('\n');
            return lines.Length >= 3
                && int.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
                ? new Client(pid, started, lines[2].Trim())
                : null;
        }

        public bool IsAlive() => StartOf(Pid) is { } started && (OperatingSystem.IsLinux() ? started == Started : Math.Abs(started - Started) <= 1);

        public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{Pid}\n{Started}\n{Command}\n");

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"ledger {Command} (pid {Pid})");

        /// <summary>
        /// When a running process started: on Linux its start in clock ticks after boot (<c>/proc/PID/stat</c>, field
        /// 22), which no change of the wall clock moves (null for a zombie: it has ended); elsewhere its start time in whole seconds. Null when it does not run.
        /// </summary>
        private static long? StartOf(int pid)
        {
            try
            {
                if (OperatingSystem.IsLinux())
                {
                    var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    return fields[0] == "Z" ? null : long.Parse(fields[19], CultureInfo.InvariantCulture); // a zombie has ended
                }

                using var process = Process.GetProcessById(pid);
                return process.HasExited ? null : process.StartTime.ToUniversalTime().Ticks / TimeSpan.TicksPerSecond;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException or FormatException or IndexOutOfRangeException or System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
