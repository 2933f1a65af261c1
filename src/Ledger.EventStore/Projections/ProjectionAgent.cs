using System.Globalization;
using Ledger.EventStore.Schema;
using Microsoft.Extensions.Logging;
using NodaTime;
using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>
/// Runs one projection on one node: competes for its leadership lock, and while it leads, reads the global log
/// in batches and applies each batch with its checkpoint in one transaction (and the rebuild's shadow batches
/// alongside). Every write is guarded by the checkpoint row's revision, so a leader that lost its lock
/// without noticing yet changes nothing.
/// </summary>
internal sealed partial class ProjectionAgent(EventStore store, IProjection projection, IClock clock, ProjectionDaemonOptions options, DecodedEvents? decoded = null) : IDisposable
{
    private readonly string schema = store.Options.Schema;
    private readonly long lockKey = LockKeys.Named(store.Options.Schema, "projection:" + projection.Name);
    private readonly HashSet<Guid> skipped = [];
    private readonly ILogger? logger = options.Logger;
    private NpgsqlConnection? lockConnection;
    private bool lastBatchFull;
    private Row? row;

    public WakeSignal Signal { get; } = new();

    public IProjection Projection => projection;

    public bool IsLeader => lockConnection is not null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (!await EnsureLeadershipAsync(cancellationToken))
                    {
                        // Not woken by commits: followers only retry the lock on their own schedule.
                        await Task.Delay(options.LeadershipRetryInterval, cancellationToken);
                        continue;
                    }

                    if (!await StepAsync(cancellationToken))
                    {
                        await Signal.WaitAsync(options.PollInterval, cancellationToken);
                    }
                    else if (!lastBatchFull && options.MinimumBatchInterval > TimeSpan.Zero)
                    {
                        // Caught up while commits keep coming: let a few gather, so each batch is worth its transaction.
                        await Task.Delay(options.MinimumBatchInterval, cancellationToken);
                    }
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (StaleRowException)
                {
                    row = null;
                }
                catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
                {
                    if (logger is not null)
                    {
                        LogStepDown(logger, projection.Name, ex.Message, ex);
                    }

                    // A node that just lost its connection waits longer than the followers, so a healthy one takes over.
                    await StepDownAsync(graceful: false);
                    await Task.WhenAny(Task.Delay(options.LeadershipRetryInterval * 3, cancellationToken));
                }
            }
        }
        finally
        {
            await StepDownAsync(graceful: true);
        }
    }

    public void Dispose() => Signal.Dispose();

    private async Task<bool> EnsureLeadershipAsync(CancellationToken cancellationToken)
    {
        if (lockConnection is not null)
        {
            // A session lock lives as long as its connection: a live connection means we still lead.
            await using var ping = new NpgsqlCommand("SELECT 1", lockConnection);
            await ping.ExecuteScalarAsync(cancellationToken);
            return true;
        }

        var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection);
            command.Parameters.AddWithValue("k", lockKey);
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                await connection.DisposeAsync();
                return false;
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        lockConnection = connection;
        await TakeOverAsync(cancellationToken);
        if (logger is not null)
        {
            LogLeading(logger, projection.Name, options.NodeName);
        }

        return true;
    }

    private async Task StepDownAsync(bool graceful)
    {
        var connection = lockConnection;
        lockConnection = null;
        row = null;
        if (connection is null)
        {
            return;
        }

        try
        {
            if (graceful)
            {
                await using var stop = store.DataSource.CreateCommand($"""
                    UPDATE {schema}.projection_checkpoints SET status = 'stopped', leader = NULL, revision = revision + 1, updated_at = @now
                    WHERE name = @name AND leader = @node AND status IN ('running', 'rebuilding')
                    """);
                stop.Parameters.AddWithValue("name", projection.Name);
                stop.Parameters.AddWithValue("node", options.NodeName);
                stop.Parameters.AddWithValue("now", Now());
                await stop.ExecuteNonQueryAsync(CancellationToken.None);
            }

            // Unlock explicitly: a pooled connection may keep its session state until it is used again.
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", connection);
            unlock.Parameters.AddWithValue("k", lockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            // The connection is gone, and the lock with it.
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private async Task TakeOverAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            INSERT INTO {schema}.projection_checkpoints (name, updated_at) VALUES (@name, @now) ON CONFLICT (name) DO NOTHING;
            UPDATE {schema}.projection_checkpoints
            SET leader = @node, revision = revision + 1, updated_at = @now,
                status = CASE WHEN status = 'stopped' THEN CASE WHEN rebuild_position IS NULL THEN 'running' ELSE 'rebuilding' END ELSE status END
            WHERE name = @name
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("name", projection.Name);
            command.Parameters.AddWithValue("node", options.NodeName);
            command.Parameters.AddWithValue("now", Now());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await ProjectionTables.EnsureAsync(transaction, schema, projection.Tables, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Does one round of work; false when there was nothing to do.</summary>
    private async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        row ??= await LoadAsync(cancellationToken);
        if (row.Status == "failed")
        {
            row = null; // read it again on the next round: an operator may resume or skip
            return false;
        }

        var worked = false;
        var live = await store.ReadAllAsync(row.Checkpoint, options.BatchSize, projection.EventTypes, cancellationToken);
        lastBatchFull = live.Events.Count >= options.BatchSize;
        if (live.Events.Count > 0)
        {
            await ApplyBatchAsync(live, rebuild: false, cancellationToken);
            worked = true;
        }

        if (row is { Rebuild: { } rebuildAt, Status: "rebuilding" })
        {
            if (rebuildAt >= row.Checkpoint)
            {
                await SwapAsync(cancellationToken);
                return true;
            }

            var shadow = await store.ReadAllAsync(rebuildAt, options.BatchSize, projection.EventTypes, cancellationToken);
            lastBatchFull |= shadow.Events.Count >= options.BatchSize;
            if (shadow.Events.Count > 0)
            {
                await ApplyBatchAsync(shadow, rebuild: true, cancellationToken);
                worked = true;
            }
        }

        if (!worked)
        {
            row = null;
        }

        return worked;
    }

    private async Task ApplyBatchAsync(GlobalLogBatch batch, bool rebuild, CancellationToken cancellationToken)
    {
        var (ok, error) = await ApplyWithRetriesAsync(batch.Events, batch.Checkpoint, rebuild, cancellationToken);
        if (ok)
        {
            return;
        }

        // Find the event that fails: apply the batch one event at a time, each with its own retries.
        if (batch.Events.Count > 1)
        {
            foreach (var single in batch.Events)
            {
                (ok, error) = await ApplyWithRetriesAsync([single], GlobalCheckpoint.Of(single), rebuild, cancellationToken);
                if (!ok)
                {
                    await MarkFailedAsync(single, error!, cancellationToken);
                    return;
                }
            }

            return;
        }

        await MarkFailedAsync(batch.Events[0], error!, cancellationToken);
    }

    private async Task<(bool Ok, Exception? Error)> ApplyWithRetriesAsync(IReadOnlyList<RecordedEvent> events, GlobalCheckpoint after, bool rebuild, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            try
            {
                await ApplyOnceAsync(events, after, rebuild, cancellationToken);
                return (true, null);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (StaleRowException)
            {
                throw;
            }
            catch (Exception ex) when (lockConnection is not null)
            {
                last = ex;
                if (attempt < options.MaxAttempts)
                {
                    await Task.Delay(options.RetryDelay * Math.Pow(2, attempt - 1), cancellationToken);
                    await EnsureLeadershipAsync(cancellationToken);
                }
            }
        }

        return (false, last);
    }

    private async Task ApplyOnceAsync(IReadOnlyList<RecordedEvent> events, GlobalCheckpoint after, bool rebuild, CancellationToken cancellationToken)
    {
        var current = row!;
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sql = rebuild
            ? $"UPDATE {schema}.projection_checkpoints SET rebuild_transaction_id = @tx::text::xid8, rebuild_position = @pos, revision = revision + 1, updated_at = @now WHERE name = @name AND revision = @revision RETURNING revision"
            : $"UPDATE {schema}.projection_checkpoints SET transaction_id = @tx::text::xid8, position = @pos, events_processed = events_processed + @count, revision = revision + 1, updated_at = @now WHERE name = @name AND revision = @revision RETURNING revision";
        long revision;
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            // A projection is rebuilt from the log, and its rows commit with its checkpoint: a crash can lose the last
            // batches' commits, never split them, and they are applied again. So no batch waits for its WAL flush.
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("tx", after.TransactionId.ToString(CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("pos", after.Position);
            command.Parameters.AddWithValue("count", (long)events.Count);
            command.Parameters.AddWithValue("now", Now());
            command.Parameters.AddWithValue("name", projection.Name);
            command.Parameters.AddWithValue("revision", current.Revision);
            batch.BatchCommands.Add(command);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO OFF"));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            revision = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : throw new StaleRowException();
        }

        if (rebuild && current.Rebuild == GlobalCheckpoint.Start)
        {
            await ProjectionTables.CreateShadowsAsync(transaction, schema, projection.Tables, cancellationToken);
        }

        var types = projection.EventTypes;
        var wanted = events.Where(e => (types is null || types.Contains(e.EventType)) && !skipped.Contains(e.EventId)).ToList();
        if (wanted.Count > 0)
        {
            await projection.ApplyAsync(new ProjectionBatch(store, wanted, after, rebuild, decoded), transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        row = rebuild
            ? current with { Revision = revision, Rebuild = after }
            : current with { Revision = revision, Checkpoint = after };
    }

    private async Task SwapAsync(CancellationToken cancellationToken)
    {
        var current = row!;
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand($"""
            UPDATE {schema}.projection_checkpoints
            SET transaction_id = rebuild_transaction_id, position = rebuild_position, rebuild_transaction_id = NULL, rebuild_position = NULL,
                status = 'running', rebuilt_at = @now, revision = revision + 1, updated_at = @now
            WHERE name = @name AND revision = @revision
            RETURNING revision
            """, connection, transaction))
        {
            command.Parameters.AddWithValue("now", Now());
            command.Parameters.AddWithValue("name", projection.Name);
            command.Parameters.AddWithValue("revision", current.Revision);
            _ = await command.ExecuteScalarAsync(cancellationToken) as long? ?? throw new StaleRowException();
        }

        if (current.Rebuild == GlobalCheckpoint.Start)
        {
            await ProjectionTables.CreateShadowsAsync(transaction, schema, projection.Tables, cancellationToken);
        }

        await ProjectionTables.SwapAsync(transaction, schema, projection.Tables, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        row = null;
        if (logger is not null)
        {
            LogRebuilt(logger, projection.Name, current.Rebuild!.Value.Position);
        }
    }

    private async Task MarkFailedAsync(RecordedEvent failing, Exception error, CancellationToken cancellationToken)
    {
        var current = row!;
        await using var command = store.DataSource.CreateCommand($"""
            UPDATE {schema}.projection_checkpoints
            SET status = 'failed', last_error = @error, failed_transaction_id = @tx::text::xid8, failed_position = @pos, failed_event_id = @event,
                failed_at = @now, revision = revision + 1, updated_at = @now
            WHERE name = @name AND revision = @revision
            """);
        command.Parameters.AddWithValue("error", $"{error.GetType().Name}: {error.Message}");
        command.Parameters.AddWithValue("tx", failing.TransactionId.ToString(CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("pos", failing.GlobalPosition);
        command.Parameters.AddWithValue("event", failing.EventId);
        command.Parameters.AddWithValue("now", Now());
        command.Parameters.AddWithValue("name", projection.Name);
        command.Parameters.AddWithValue("revision", current.Revision);
        await command.ExecuteNonQueryAsync(cancellationToken);
        row = null;
        if (logger is not null)
        {
            LogFailed(logger, projection.Name, failing.GlobalPosition, failing.EventId, failing.EventType, error);
        }
    }

    private async Task<Row> LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand($"""
            SELECT transaction_id::text, position, status, revision, rebuild_transaction_id::text, rebuild_position,
                   (SELECT count(*) FROM {schema}.projection_skips s WHERE s.name = c.name)
            FROM {schema}.projection_checkpoints c WHERE name = @name
            """);
        command.Parameters.AddWithValue("name", projection.Name);
        Row loaded;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new InvalidOperationException($"projection '{projection.Name}' has no checkpoint row");
            }

            loaded = new Row(
                new GlobalCheckpoint(ulong.Parse(reader.GetString(0), CultureInfo.InvariantCulture), reader.GetInt64(1)),
                reader.GetString(2),
                reader.GetInt64(3),
                reader.IsDBNull(4) ? null : new GlobalCheckpoint(ulong.Parse(reader.GetString(4), CultureInfo.InvariantCulture), reader.GetInt64(5)),
                reader.GetInt64(6));
        }

        if (loaded.SkipCount != skipped.Count)
        {
            skipped.Clear();
            await using var skips = store.DataSource.CreateCommand($"SELECT event_id FROM {schema}.projection_skips WHERE name = @name");
            skips.Parameters.AddWithValue("name", projection.Name);
            await using var reader = await skips.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                skipped.Add(reader.GetGuid(0));
            }
        }

        return loaded;
    }

    private DateTime Now() => clock.GetCurrentInstant().ToDateTimeUtc();

    [LoggerMessage(Level = LogLevel.Information, Message = "projection {Projection}: led by {Node}")]
    private static partial void LogLeading(ILogger logger, string projection, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "projection {Projection}: stepped down ({Reason})")]
    private static partial void LogStepDown(ILogger logger, string projection, string reason, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "projection {Projection} failed at position {Position} (event {EventId}, {EventType}) and stopped there")]
    private static partial void LogFailed(ILogger logger, string projection, long position, Guid eventId, string eventType, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "projection {Projection}: rebuilt up to position {Position} and swapped in")]
    private static partial void LogRebuilt(ILogger logger, string projection, long position);

    private sealed record Row(GlobalCheckpoint Checkpoint, string Status, long Revision, GlobalCheckpoint? Rebuild, long SkipCount);

    /// <summary>The checkpoint row changed under us (an operator, or another leader): read it again.</summary>
    private sealed class StaleRowException : Exception
    {
    }
}
