using System.Collections.Concurrent;
using Ledger.EventStore.Projections;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Messaging;

/// <summary>
/// Handles durable messages on every node: claims due messages in a short transaction (FOR UPDATE SKIP LOCKED,
/// with a lease), then handles each in a transaction that carries the handler's writes, records the message id
/// as handled and removes the message. A failure moves the message's due time back with exponential backoff and
/// jitter; after the last attempt it becomes a dead letter. Due times and leases follow the injected clock.
/// </summary>
public sealed partial class MessageDispatcher : IAsyncDisposable
{
    private static readonly Duration PurgeEvery = Duration.FromHours(1);

    private readonly Outbox outbox;
    private readonly MessageHandlers handlers;
    private readonly IClock clock;
    private readonly MessageDispatcherOptions options;
    private readonly EventStore store;
    private readonly string schema;
    private readonly ILogger? logger;
    private readonly WakeSignal signal = new();
    private readonly Lock gate = new();
    private CancellationTokenSource? stopping;
    private Task running = Task.CompletedTask;
    private Instant lastPurge;

    public MessageDispatcher(Outbox outbox, MessageHandlers handlers, IClock clock, MessageDispatcherOptions? options = null)
    {
        this.outbox = outbox ?? throw new ArgumentNullException(nameof(outbox));
        this.handlers = handlers ?? throw new ArgumentNullException(nameof(handlers));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        this.options = options ?? new MessageDispatcherOptions();
        this.options.Validate();
        store = outbox.Store;
        schema = store.Options.Schema;
        logger = this.options.Logger;
    }

    public MessageDispatcherOptions Options => options;

    /// <summary>Starts claiming and handling due messages until stopped.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            if (stopping is not null)
            {
                throw new InvalidOperationException("the dispatcher is already started");
            }

            stopping = new CancellationTokenSource();
            var token = stopping.Token;
            store.Committed += Wake;
            running = Task.WhenAll(
                Task.Run(() => RunAsync(token), CancellationToken.None),
                Task.Run(() => new CommitListener(store, options.ReconnectDelay, Wake, null).RunAsync(token), CancellationToken.None));
        }

        return Task.CompletedTask;
    }

    /// <summary>Stops; messages being handled roll back and are handed out again once their lease has passed.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource? source;
        lock (gate)
        {
            source = stopping;
            stopping = null;
        }

        if (source is null)
        {
            return;
        }

        store.Committed -= Wake;
        await source.CancelAsync();
        await running.WaitAsync(cancellationToken);
        source.Dispose();
    }

    /// <summary>Looks for due messages now rather than at the next poll.</summary>
    public void Wake() => signal.Set();

    /// <summary>Claims one round of due messages and handles them; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var claimed = await ClaimAsync(cancellationToken);
        if (claimed.Count == 0)
        {
            return 0;
        }

        var started = new ConcurrentDictionary<Guid, bool>();
        try
        {
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = options.MaxConcurrency, CancellationToken = cancellationToken }, async (message, token) =>
            {
                started[message.MessageId] = true;
                await HandleAsync(message, token);
            });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await ReleaseAsync(claimed.Where(m => !started.ContainsKey(m.MessageId)).Select(m => m.MessageId).ToArray());
            throw;
        }

        return claimed.Count;
    }

    /// <summary>Dead letters, oldest first.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"""
            SELECT message_id, message_type, payload::text, metadata::text, attempts, created_at, first_attempt_at, last_attempt_at, dead_at, error
            FROM {schema}.dead_letters ORDER BY dead_at, message_id LIMIT @n
            """);
        command.Parameters.AddWithValue("n", limit);
        var result = new List<DeadLetter>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new DeadLetter(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.GetString(2),
                Outbox.ParseMetadata(reader.GetString(3)),
                reader.GetInt32(4),
                ToInstant(reader.GetDateTime(5)),
                reader.IsDBNull(6) ? null : ToInstant(reader.GetDateTime(6)),
                reader.IsDBNull(7) ? null : ToInstant(reader.GetDateTime(7)),
                ToInstant(reader.GetDateTime(8)),
                reader.GetString(9)));
        }

        return result;
    }

    /// <summary>Puts a dead letter back as a fresh message (same id, no attempts, due now).</summary>
    public async Task ReplayDeadLetterAsync(Guid messageId, CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"""
            WITH dead AS (DELETE FROM {schema}.dead_letters WHERE message_id = @id RETURNING *)
            INSERT INTO {schema}.messages (message_id, message_type, payload, metadata, due_at, created_at)
            SELECT message_id, message_type, payload, metadata, @now, @now FROM dead
            """);
        command.Parameters.AddWithValue("id", messageId);
        command.Parameters.AddWithValue("now", clock.GetCurrentInstant().ToDateTimeUtc());
        if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new InvalidOperationException($"no dead letter {messageId}");
        }

        store.NotifyCommitted();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        signal.Dispose();
    }

    private static Instant ToInstant(DateTime value) => Instant.FromDateTimeUtc(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        lastPurge = clock.GetCurrentInstant();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var claimed = await RunOnceAsync(cancellationToken);
                if (claimed < options.BatchSize)
                {
                    await signal.WaitAsync(options.PollInterval, cancellationToken);
                }

                await PurgeHandledAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                if (logger is not null)
                {
                    LogDispatcherError(logger, ex.Message, ex);
                }

                await signal.WaitAsync(options.PollInterval, cancellationToken);
            }
        }
    }

    private async Task<IReadOnlyList<Claimed>> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        await using var command = store.DataSource.CreateCommand($"""
            UPDATE {schema}.messages m
            SET claimed_by = @node, claimed_until = @until, attempts = m.attempts + 1,
                first_attempt_at = COALESCE(m.first_attempt_at, @now), last_attempt_at = @now
            WHERE m.message_id IN (
                SELECT message_id FROM {schema}.messages
                WHERE due_at <= @now AND (claimed_until IS NULL OR claimed_until < @now)
                ORDER BY due_at
                LIMIT @n
                FOR UPDATE SKIP LOCKED)
            RETURNING m.message_id, m.message_type, m.payload::text, m.metadata::text, m.attempts
            """);
        command.Parameters.AddWithValue("node", options.NodeName);
        command.Parameters.AddWithValue("now", now.ToDateTimeUtc());
        command.Parameters.AddWithValue("until", (now + Duration.FromTimeSpan(options.Lease)).ToDateTimeUtc());
        command.Parameters.AddWithValue("n", options.BatchSize);
        var result = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new Claimed(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), now));
        }

        return result;
    }

    private async Task HandleAsync(Claimed message, CancellationToken cancellationToken)
    {
        object body;
        Func<object, MessageContext, CancellationToken, Task> handler;
        try
        {
            body = outbox.MessageTypes.Deserialize(message.MessageType, message.Payload);
            handler = handlers.Find(body.GetType()) ?? throw new InvalidOperationException($"no handler is registered for {body.GetType().Name}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await FailAsync(message, ex, cancellationToken);
            return;
        }

        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            if (await AlreadyHandledAsync(transaction, message.MessageId, cancellationToken))
            {
                await DeleteAsync(transaction, message.MessageId, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return;
            }

            var context = new MessageContext(outbox, transaction, message.MessageId, message.MessageType, message.Attempts, Outbox.ParseMetadata(message.Metadata), message.ClaimedAt);
            try
            {
                await handler(body, context, cancellationToken);
                await using (var complete = new NpgsqlCommand($"""
                    INSERT INTO {schema}.handled_messages (message_id, message_type, handled_by, handled_at) VALUES (@id, @type, @node, @now);
                    DELETE FROM {schema}.messages WHERE message_id = @id
                    """, connection, transaction))
                {
                    complete.Parameters.AddWithValue("id", message.MessageId);
                    complete.Parameters.AddWithValue("type", message.MessageType);
                    complete.Parameters.AddWithValue("node", options.NodeName);
                    complete.Parameters.AddWithValue("now", clock.GetCurrentInstant().ToDateTimeUtc());
                    await complete.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "handled_messages_pkey")
            {
                // Another node handled it meanwhile (its lease had passed): its effects stand, ours roll back.
                await transaction.RollbackAsync(CancellationToken.None);
                await using var delete = store.DataSource.CreateCommand($"DELETE FROM {schema}.messages WHERE message_id = @id");
                delete.Parameters.AddWithValue("id", message.MessageId);
                await delete.ExecuteNonQueryAsync(cancellationToken);
                return;
            }

            if (context.Appended)
            {
                store.NotifyCommitted();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            try
            {
                if (transaction.Connection is not null)
                {
                    await transaction.RollbackAsync(CancellationToken.None);
                }
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server has rolled the transaction back.
            }

            await FailAsync(message, ex, cancellationToken);
        }
        finally
        {
            await transaction.DisposeAsync();
        }
    }

    private async Task<bool> AlreadyHandledAsync(NpgsqlTransaction transaction, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {schema}.handled_messages WHERE message_id = @id)", transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", messageId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task DeleteAsync(NpgsqlTransaction transaction, Guid messageId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {schema}.messages WHERE message_id = @id", transaction.Connection, transaction);
        command.Parameters.AddWithValue("id", messageId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task FailAsync(Claimed message, Exception error, CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        var text = $"{error.GetType().Name}: {error.Message}";
        if (message.Attempts >= options.MaxAttempts)
        {
            await using var dead = store.DataSource.CreateCommand($"""
                WITH moved AS (DELETE FROM {schema}.messages WHERE message_id = @id AND claimed_by = @node RETURNING *)
                INSERT INTO {schema}.dead_letters (message_id, message_type, payload, metadata, attempts, created_at, first_attempt_at, last_attempt_at, dead_at, error)
                SELECT message_id, message_type, payload, metadata, attempts, created_at, first_attempt_at, last_attempt_at, @now, @error FROM moved
                ON CONFLICT (message_id) DO UPDATE SET attempts = EXCLUDED.attempts, last_attempt_at = EXCLUDED.last_attempt_at, dead_at = EXCLUDED.dead_at, error = EXCLUDED.error
                """);
            dead.Parameters.AddWithValue("id", message.MessageId);
            dead.Parameters.AddWithValue("node", options.NodeName);
            dead.Parameters.AddWithValue("now", now.ToDateTimeUtc());
            dead.Parameters.AddWithValue("error", text);
            await dead.ExecuteNonQueryAsync(cancellationToken);
            if (logger is not null)
            {
                LogDeadLetter(logger, message.MessageId, message.MessageType, message.Attempts, error);
            }

            return;
        }

        var delay = Backoff(message.Attempts);
        await using var retry = store.DataSource.CreateCommand($"""
            UPDATE {schema}.messages SET due_at = @due, last_error = @error, claimed_by = NULL, claimed_until = NULL
            WHERE message_id = @id AND claimed_by = @node
            """);
        retry.Parameters.AddWithValue("id", message.MessageId);
        retry.Parameters.AddWithValue("node", options.NodeName);
        retry.Parameters.AddWithValue("due", (now + delay).ToDateTimeUtc());
        retry.Parameters.AddWithValue("error", text);
        await retry.ExecuteNonQueryAsync(cancellationToken);
        if (logger is not null)
        {
            LogRetry(logger, message.MessageId, message.MessageType, message.Attempts, delay.TotalSeconds, error);
        }
    }

    /// <summary>Half the capped exponential delay, plus a random share of the other half: grows with each attempt, never in lock step.</summary>
    private Duration Backoff(int attempts)
    {
        var exponential = options.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempts - 1, 30));
        var capped = Math.Min(exponential, options.MaxDelay.TotalMilliseconds);
        return Duration.FromMilliseconds((capped / 2) + (Random.Shared.NextDouble() * capped / 2));
    }

    private async Task ReleaseAsync(Guid[] ids)
    {
        if (ids.Length == 0)
        {
            return;
        }

        try
        {
            await using var command = store.DataSource.CreateCommand($"""
                UPDATE {schema}.messages SET claimed_by = NULL, claimed_until = NULL, attempts = attempts - 1
                WHERE message_id = ANY(@ids) AND claimed_by = @node
                """);
            command.Parameters.AddWithValue("ids", ids);
            command.Parameters.AddWithValue("node", options.NodeName);
            await command.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The claims lapse with their lease.
        }
    }

    private async Task PurgeHandledAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetCurrentInstant();
        if (now - lastPurge < PurgeEvery)
        {
            return;
        }

        lastPurge = now;
        await using var command = store.DataSource.CreateCommand($"DELETE FROM {schema}.handled_messages WHERE handled_at < @before");
        command.Parameters.AddWithValue("before", (now - Duration.FromTimeSpan(options.HandledRetention)).ToDateTimeUtc());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "message {MessageId} ({MessageType}) failed on attempt {Attempt}; retrying in {DelaySeconds:F1} s")]
    private static partial void LogRetry(ILogger logger, Guid messageId, string messageType, int attempt, double delaySeconds, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "message {MessageId} ({MessageType}) failed {Attempts} times and is now a dead letter")]
    private static partial void LogDeadLetter(ILogger logger, Guid messageId, string messageType, int attempts, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "message dispatcher: {Reason}")]
    private static partial void LogDispatcherError(ILogger logger, string reason, Exception error);

    private sealed record Claimed(Guid MessageId, string MessageType, string Payload, string Metadata, int Attempts, Instant ClaimedAt);
}
