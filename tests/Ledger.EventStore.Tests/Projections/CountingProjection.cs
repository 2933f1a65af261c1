using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.EventStore.Tests.Projections;

/// <summary>
/// Writes one row per event (primary key: stream and version, so a second application of an event fails the batch)
/// and refuses a batch in which a stream's versions do not follow each other.
/// </summary>
public sealed class CountingProjection(string name = "counts", string table = "counts") : IProjection
{
    private int batches;

    public string Name => name;

    public string TableName => table;

    /// <summary>Batches applied (including rebuild batches).</summary>
    public int Batches => batches;

    public IReadOnlySet<string>? EventTypes => null;

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(table, "CREATE TABLE {table} (stream_id uuid NOT NULL, version bigint NOT NULL, position bigint NOT NULL, PRIMARY KEY (stream_id, version))"),
    ];

    /// <summary>When set, an event with this id throws.</summary>
    public Guid? Poison { get; set; }

    public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref batches);
        var last = new Dictionary<Guid, long>();
        foreach (var e in batch.Events)
        {
            if (Poison is { } poison && e.EventId == poison)
            {
                throw new InvalidOperationException($"cannot project event {e.EventId}");
            }

            // Versions rise within a batch; a gap is legitimate where the daemon set a failed event aside.
            if (last.TryGetValue(e.StreamId, out var previous) && e.StreamVersion <= previous)
            {
                throw new InvalidOperationException($"stream {e.StreamId}: version {e.StreamVersion} after {previous}");
            }

            last[e.StreamId] = e.StreamVersion;
        }

        var command = new NpgsqlBatchCommand($"INSERT INTO {batch.Table(table)} (stream_id, version, position) SELECT * FROM unnest(@s, @v, @p)");
        command.Parameters.AddWithValue("s", batch.Events.Select(e => e.StreamId).ToArray());
        command.Parameters.AddWithValue("v", batch.Events.Select(e => e.StreamVersion).ToArray());
        command.Parameters.AddWithValue("p", batch.Events.Select(e => e.GlobalPosition).ToArray());
        batch.Add(command);
        return Task.CompletedTask;
    }
}

public static class ProjectionTesting
{
    /// <summary>Events per stream and the last version of a counting table, ordered by stream.</summary>
    public static async Task<List<(Guid Stream, long Events, long LastVersion)>> RowsAsync(NpgsqlDataSource dataSource, string schema, string table)
    {
        var rows = new List<(Guid, long, long)>();
        await using var command = dataSource.CreateCommand($"SELECT stream_id, count(*), max(version) FROM {schema}.{table} GROUP BY stream_id ORDER BY stream_id");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetInt64(1), reader.GetInt64(2)));
        }

        return rows;
    }

    /// <summary>Every stream's version from Marten's stream table, ordered by stream.</summary>
    public static async Task<List<(Guid Stream, long Events, long LastVersion)>> ExpectedAsync(NpgsqlDataSource dataSource, string schema)
    {
        var rows = new List<(Guid, long, long)>();
        await using var command = dataSource.CreateCommand($"SELECT id, version, version FROM {schema}.mt_streams ORDER BY id");
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
