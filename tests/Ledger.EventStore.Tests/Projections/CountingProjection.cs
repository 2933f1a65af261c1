using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.EventStore.Tests.Projections;

/// <summary>
/// Counts events per stream and keeps the last version seen; refuses a batch in which a stream's first event is
/// not the version after the last one stored (so any reordering or double count fails loudly).
/// </summary>
public sealed class CountingProjection(string name = "counts", string table = "counts") : IProjection
{

    public string Name => name;

    public string TableName => table;

    /// <summary>Batches applied (including rebuild batches).</summary>
    public int Batches => batches;

    public IReadOnlySet<string>? EventTypes => null;

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(table, "CREATE TABLE {table} (stream_id uuid PRIMARY KEY, events bigint NOT NULL, last_version bigint NOT NULL)"),
    ];

    /// <summary>When set, an event with this id throws.</summary>
    public Guid? Poison { get; set; }

    private int batches;

    /// <summary>The number of the batch (1 = first) that waits, rows written but not committed, until cancelled; 0 for none.</summary>
    public int BlockOnBatch { get; init; }

    /// <summary>Set once the batch numbered <see cref="BlockOnBatch"/> is written and waiting.</summary>
    public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task ApplyAsync(ProjectionBatch batch, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref batches);
        var runs = new List<(Guid Stream, long First, long Last, long Count)>();
        var index = new Dictionary<Guid, int>();
        foreach (var e in batch.Events)
        {
            if (Poison is { } poison && e.EventId == poison)
            {
                throw new InvalidOperationException($"cannot project event {e.EventId}");
            }

            if (index.TryGetValue(e.StreamId, out var i))
            {
                var run = runs[i];
                if (e.StreamVersion != run.Last + 1)
                {
                    throw new InvalidOperationException($"stream {e.StreamId}: version {e.StreamVersion} after {run.Last}");
                }

                runs[i] = run with { Last = e.StreamVersion, Count = run.Count + 1 };
            }
            else
            {
                index[e.StreamId] = runs.Count;
                runs.Add((e.StreamId, e.StreamVersion, e.StreamVersion, 1));
            }
        }

        var target = batch.Table(table);
        await using var command = new NpgsqlCommand($"""
            WITH u AS (SELECT * FROM unnest(@s, @f, @l, @n) AS u(s, f, l, n)),
            updated AS (
                UPDATE {target} t SET events = t.events + u.n, last_version = u.l
                FROM u WHERE t.stream_id = u.s AND t.last_version = u.f - 1
                RETURNING 1),
            inserted AS (
                INSERT INTO {target} (stream_id, events, last_version)
                SELECT u.s, u.n, u.l FROM u WHERE u.f = 1
                ON CONFLICT (stream_id) DO NOTHING
                RETURNING 1)
            SELECT (SELECT count(*) FROM updated) + (SELECT count(*) FROM inserted)
            """, transaction.Connection, transaction);
        command.Parameters.AddWithValue("s", runs.Select(r => r.Stream).ToArray());
        command.Parameters.AddWithValue("f", runs.Select(r => r.First).ToArray());
        command.Parameters.AddWithValue("l", runs.Select(r => r.Last).ToArray());
        command.Parameters.AddWithValue("n", runs.Select(r => r.Count).ToArray());
        var written = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (written != runs.Count)
        {
            throw new InvalidOperationException($"{runs.Count - written} streams of the batch did not continue from their last projected version");
        }

        if (number == BlockOnBatch)
        {
            Blocked.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}

public static class ProjectionTesting
{
    public static ProjectionDaemonOptions FastOptions(string node = "node") => new()
    {
        NodeName = node,
        PollInterval = TimeSpan.FromMilliseconds(50),
        LeadershipRetryInterval = TimeSpan.FromMilliseconds(100),
        RetryDelay = TimeSpan.FromMilliseconds(5),
        MaxAttempts = 2,
        StatusRefreshInterval = TimeSpan.FromMilliseconds(200),
        ReconnectDelay = TimeSpan.FromMilliseconds(100),
    };

    /// <summary>Rows of a counting table, ordered by stream.</summary>
    public static async Task<List<(Guid Stream, long Events, long LastVersion)>> RowsAsync(StoreScope scope, string table)
    {
        var rows = new List<(Guid, long, long)>();
        await using var command = scope.DataSource.CreateCommand($"SELECT stream_id, events, last_version FROM {scope.Schema}.{table} ORDER BY stream_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>Every stream's version from the streams table, ordered by stream.</summary>
    public static async Task<List<(Guid Stream, long Events, long LastVersion)>> ExpectedAsync(StoreScope scope)
    {
        var rows = new List<(Guid, long, long)>();
        await using var command = scope.DataSource.CreateCommand($"SELECT stream_id, version, version FROM {scope.Schema}.streams ORDER BY stream_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>Appends <paramref name="count"/> events spread over <paramref name="streams"/> in multi-event appends.</summary>
    public static async Task AppendManyAsync(EventStore store, Guid[] streams, int count, int seed)
    {
        var random = new Random(seed);
        var written = 0;
        while (written < count)
        {
            var n = Math.Min(random.Next(1, 20), count - written);
            var events = Enumerable.Range(0, n).Select(i => EventToAppend.New(new Counted(seed, written + i))).ToList();
            await store.AppendAsync(streams[random.Next(streams.Length)], "counter", ExpectedVersion.Any, events);
            written += n;
        }
    }
}
