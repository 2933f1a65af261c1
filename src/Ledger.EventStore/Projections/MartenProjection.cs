using System.Data.Common;
using System.Text;
using JasperFx.Events;
using Marten;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;
using Weasel.Storage;

namespace Ledger.EventStore.Projections;

/// <summary>
/// Runs one of the ledger's projections as a Marten async projection: Marten's daemon hands it the events in order
/// (gap-safe, with a leader per projection), the projection states its writes, and they are queued into the daemon's
/// transaction, which also moves the projection's progress in <c>mt_event_progression</c>.
/// </summary>
internal sealed class MartenProjection(IProjection projection, EventStore store) : Marten.Events.Projections.IProjection
{
    public IProjection Projection => projection;

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        var types = projection.EventTypes;
        var recorded = new List<RecordedEvent>(events.Count);
        var decoded = new Dictionary<long, object>(events.Count);
        foreach (var e in events)
        {
            // Marten's tombstones (numbers of a failed unit of work, see EventStore.NotTombstone) carry nothing to project.
            if ((types is not null && !types.Contains(e.EventTypeName)) || e.Data is Tombstone)
            {
                continue;
            }

            var metadata = e.GetHeader(EventStore.MetadataHeader) is string text ? EventStore.ParseMetadata(text) : EventMetadata.Empty;
            recorded.Add(new RecordedEvent(e.Sequence, e.StreamId, e.Version, e.Id, e.EventTypeName, null, metadata, NodaTime.Instant.FromDateTimeOffset(e.Timestamp), null, false));
            decoded[e.Sequence] = e.Data;
        }

        if (recorded.Count == 0)
        {
            return;
        }

        var batch = new ProjectionBatch(store, recorded, isRebuild: false, decoded);
        try
        {
            await projection.ApplyAsync(batch, cancellation);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Name the event that fails (Marten's poison-pill handling sets exactly that one aside); a batch that
            // fails while each of its events applies alone is the daemon's to retry, with no event blamed.
            var failing = await FindFailingAsync(events, recorded, decoded, cancellation);
            if (failing is null)
            {
                throw;
            }

            throw new JasperFx.Events.Daemon.ApplyEventException(failing, ex);
        }

        foreach (var command in batch.Writes)
        {
            operations.QueueOperation(new QueuedCommand(command));
        }
    }

    private async Task<IEvent?> FindFailingAsync(IReadOnlyList<IEvent> events, List<RecordedEvent> recorded, Dictionary<long, object> decoded, CancellationToken cancellation)
    {
        foreach (var one in recorded)
        {
            try
            {
                await projection.ApplyAsync(new ProjectionBatch(store, [one], isRebuild: false, decoded), cancellation);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return events.First(e => e.Sequence == one.GlobalPosition);
            }
        }

        return null;
    }
}

/// <summary>
/// One of a projection's writes as a Marten storage operation: its <c>@name</c> parameters become positional ones
/// of Marten's batch, with their values and any explicit types.
/// </summary>
internal sealed class QueuedCommand(NpgsqlBatchCommand command) : Weasel.Storage.IStorageOperation
{
    public Type DocumentType => typeof(Marten.Storage.StorageFeatures); // as Marten's own SQL operations: no document storage

    public void ConfigureCommand(ICommandBuilder builder, IStorageSession session)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var sql = command.CommandText;
        var text = new StringBuilder(sql.Length);
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c == '@' && i + 1 < sql.Length && (char.IsAsciiLetter(sql[i + 1]) || sql[i + 1] == '_') && (i == 0 || sql[i - 1] != '@'))
            {
                var end = i + 1;
                while (end < sql.Length && (char.IsAsciiLetterOrDigit(sql[end]) || sql[end] == '_'))
                {
                    end++;
                }

                var name = sql[(i + 1)..end];
                if (!command.Parameters.Contains(name))
                {
                    throw new InvalidOperationException($"a projection's write names @{name} but gives no value for it");
                }

                builder.Append(text.ToString());
                text.Clear();
                var source = command.Parameters[name];
                var parameter = (NpgsqlParameter)builder.AppendParameter(source.Value ?? DBNull.Value);
                if (source.Value is DBNull or null ? source.NpgsqlDbType != NpgsqlDbType.Unknown : false)
                {
                    parameter.NpgsqlDbType = source.NpgsqlDbType;
                }

                i = end;
                continue;
            }

            text.Append(c);
            i++;
        }

        builder.Append(text.ToString());
    }

    public Task PostprocessAsync(DbDataReader reader, IList<Exception> exceptions, CancellationToken token) => Task.CompletedTask;

    public OperationRole Role() => OperationRole.Other;
}
