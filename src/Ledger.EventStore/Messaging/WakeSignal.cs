namespace Ledger.EventStore.Messaging;

/// <summary>An auto-reset signal: many sets before a wait wake it once.</summary>
internal sealed class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            // Checked first because an exception per redundant set (one per agent and commit under load) costs
            // more than the rest of the wake-up; the race left is caught below.
            if (semaphore.CurrentCount > 0)
            {
                return;
            }

            semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already set.
        }
        catch (ObjectDisposedException)
        {
            // Stopped.
        }
    }

    /// <summary>Waits until set or until <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await semaphore.WaitAsync(timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The caller's loop sees the cancellation.
        }
    }

    public void Dispose() => semaphore.Dispose();
}

/// <summary>
/// Listens on the store's notification channel over a connection of its own and calls <c>wake</c> on every
/// notification, and once after each (re)connect since notifications may have been missed meanwhile.
/// </summary>
internal sealed class CommitListener(EventStore store, TimeSpan reconnectDelay, Action wake, Action<Exception>? onError)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
                connection.Notification += (_, _) => wake();
                await using (var command = new Npgsql.NpgsqlCommand($"LISTEN \"{store.Options.NotificationChannel}\"", connection))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                wake();
                try
                {
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        await connection.WaitAsync(cancellationToken);
                    }
                }
                finally
                {
                    if (connection.State == System.Data.ConnectionState.Open)
                    {
                        await using var unlisten = new Npgsql.NpgsqlCommand("UNLISTEN *", connection);
                        await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or IOException)
            {
                onError?.Invoke(ex);
                wake();
                try
                {
                    await Task.Delay(reconnectDelay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
