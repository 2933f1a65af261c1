using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>
/// A strongly consistent read model: its rows are written in the append's own transaction, so they commit or
/// roll back with the events.
/// </summary>
public interface IInlineProjection
{
    /// <summary>The stored event names this projection reads; null for every event.</summary>
    IReadOnlySet<string>? EventTypes { get; }

    /// <summary>The tables the projection owns (created by <see cref="InlineProjections.EnsureTablesAsync"/>).</summary>
    IReadOnlyList<ProjectionTable> Tables { get; }

    /// <summary>Writes the effect of the appended events through the append's transaction.</summary>
    Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken);

    /// <summary>
    /// The effect of these events as plain writes, when it needs neither reads nor global positions (see
    /// <see cref="IAppendParticipant.PlanWrites"/>); the store then runs them and does not call <see cref="ApplyAsync"/>.
    /// Null (the default) to be called through <see cref="ApplyAsync"/>.
    /// </summary>
    IReadOnlyList<SqlWrite>? PlanWrites(IReadOnlyList<PendingEvent> events) => null;
}

/// <summary>Registration of inline projections on a store.</summary>
public static class InlineProjections
{
    /// <summary>Runs <paramref name="projection"/> inside every append of <paramref name="store"/> that carries an event it reads.</summary>
    public static EventStore AddInlineProjection(this EventStore store, IInlineProjection projection)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projection);
        foreach (var table in projection.Tables)
        {
            table.Validate();
        }

        store.AddParticipant(new Participant(projection));
        return store;
    }

    /// <summary>Creates the projection's tables that do not exist yet.</summary>
    public static async Task EnsureTablesAsync(this EventStore store, IInlineProjection projection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projection);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ProjectionTables.EnsureAsync(transaction, store.Options.Schema, projection.Tables, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Creates the async projections' tables that do not exist yet.</summary>
    public static async Task EnsureTablesAsync(this EventStore store, IEnumerable<IProjection> projections, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ProjectionTables.EnsureAsync(transaction, store.Options.Schema, projections.SelectMany(p => p.Tables), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private sealed class Participant(IInlineProjection projection) : IAppendParticipant
    {
        public bool AppliesTo(IReadOnlyList<string> storedNames) =>
            projection.EventTypes is not { } types || storedNames.Any(types.Contains);

        public IReadOnlyList<SqlWrite>? PlanWrites(IReadOnlyList<PendingEvent> events)
        {
            var types = projection.EventTypes;
            var mine = types is null ? events : events.Where(e => types.Contains(e.EventType)).ToList();
            return mine.Count == 0 ? [] : projection.PlanWrites(mine);
        }

        public Task OnAppendingAsync(AppendContext context, CancellationToken cancellationToken)
        {
            var types = projection.EventTypes;
            var events = types is null ? context.Events : context.Events.Where(e => types.Contains(e.Recorded.EventType)).ToList();
            if (events.Count == 0)
            {
                return Task.CompletedTask;
            }

            // A projection that states its work as plain writes gets them run here, on either path of the append.
            var pending = events.Select(e => e.ToPending()).ToList();
            return projection.PlanWrites(pending) is { } writes
                ? SqlWrite.ExecuteAsync(writes, context.Transaction, cancellationToken)
                : projection.ApplyAsync(context, events, cancellationToken);
        }
    }
}

/// <summary>Creation, shadow copies and swaps of projection tables.</summary>
internal static class ProjectionTables
{
    public static async Task EnsureAsync(NpgsqlTransaction transaction, string schema, IEnumerable<ProjectionTable> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            if (!await ExistsAsync(transaction, schema, table.Name, cancellationToken))
            {
                await ExecuteAsync(transaction, table.Render(schema, table.Name), cancellationToken);
            }
        }
    }

    /// <summary>Drops any shadow copy left from an earlier rebuild and creates empty ones.</summary>
    public static async Task CreateShadowsAsync(NpgsqlTransaction transaction, string schema, IEnumerable<ProjectionTable> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            var shadow = table.Name + ProjectionTable.ShadowSuffix;
            await ExecuteAsync(transaction, $"DROP TABLE IF EXISTS {schema}.{shadow}", cancellationToken);
            await ExecuteAsync(transaction, table.Render(schema, shadow), cancellationToken);
        }
    }

    /// <summary>Replaces each live table with its shadow copy, and renames the copy's indexes to the live names.</summary>
    public static async Task SwapAsync(NpgsqlTransaction transaction, string schema, IEnumerable<ProjectionTable> tables, CancellationToken cancellationToken)
    {
        foreach (var table in tables)
        {
            var shadow = table.Name + ProjectionTable.ShadowSuffix;
            await ExecuteAsync(transaction, $"DROP TABLE IF EXISTS {schema}.{table.Name}", cancellationToken);
            await ExecuteAsync(transaction, $"ALTER TABLE {schema}.{shadow} RENAME TO {table.Name}", cancellationToken);
            var renames = new List<string>();
            await using (var command = new NpgsqlCommand("SELECT indexname FROM pg_indexes WHERE schemaname = @s AND tablename = @t AND strpos(indexname, @shadow) > 0", transaction.Connection, transaction))
            {
                command.Parameters.AddWithValue("s", schema);
                command.Parameters.AddWithValue("t", table.Name);
                command.Parameters.AddWithValue("shadow", shadow);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var index = reader.GetString(0);
                    renames.Add($"ALTER INDEX {schema}.{index} RENAME TO {index.Replace(shadow, table.Name, StringComparison.Ordinal)}");
                }
            }

            foreach (var rename in renames)
            {
                await ExecuteAsync(transaction, rename, cancellationToken);
            }
        }
    }

    private static async Task<bool> ExistsAsync(NpgsqlTransaction transaction, string schema, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT to_regclass(@n) IS NOT NULL", transaction.Connection, transaction);
        command.Parameters.AddWithValue("n", $"{schema}.{name}");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, transaction.Connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
