using Npgsql;

namespace Ledger.EventStore;

/// <summary>
/// Tells readers that events were committed: at once to this process (<see cref="Committed"/>), and to other
/// processes by a PostgreSQL NOTIFY sent after the commit. A NOTIFY is a transaction of its own with a commit
/// record to flush, so notifications are coalesced: at most one per <see cref="MinimumInterval"/>, covering
/// every commit since the last one, sent outside the append's transaction so appenders never queue on the
/// database's notification lock. A lost notification only delays other processes until their next poll. The channel
/// is Marten's (<c>PostgresqlListenWakeup.DefaultChannel</c>): it wakes Marten's high-water agent on the leading node.
/// </summary>
internal sealed class CommitNotifier(NpgsqlDataSource dataSource, string channel) : IAsyncDisposable
{
    private readonly SemaphoreSlim signal = new(0, 1);
    private readonly CancellationTokenSource stopping = new();
    private Task? loop;
    private int pending;

    /// <summary>The shortest time between two NOTIFYs.</summary>
    public static TimeSpan MinimumInterval { get; } = TimeSpan.FromMilliseconds(20);

    public event Action? Committed;

    public void Notify()
    {
        Committed?.Invoke();
        if (Interlocked.Exchange(ref pending, 1) == 1)
        {
            return;
        }

        if (loop is null)
        {
            lock (signal)
            {
                loop ??= Task.Run(RunAsync);
            }
        }

        try
        {
            signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the loop will send one NOTIFY for both.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (loop is not null)
        {
            await loop;
        }

        stopping.Dispose();
        signal.Dispose();
    }

    private async Task RunAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(stopping.Token);
                Interlocked.Exchange(ref pending, 0);
                await using var command = dataSource.CreateCommand("SELECT pg_notify(@channel, '')");
                command.Parameters.AddWithValue("channel", channel);
                await command.ExecuteNonQueryAsync(stopping.Token);
                await Task.Delay(MinimumInterval, stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                // Readers fall back to polling; try again on the next commit.
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }
}
