using Npgsql;

namespace Ledger.EventStore.Projections;

/// <summary>
/// A read model kept up to date by Marten's async daemon. Each batch's writes are queued into the daemon's
/// transaction, which also records the projection's progress, so the rows reflect every event up to it exactly once.
/// Nothing a projection needs may come from process memory: it can be rebuilt from the events alone.
/// </summary>
public interface IProjection
{
    /// <summary>A stable name (Marten's projection name): lower case, digits and '_'.</summary>
    string Name { get; }

    /// <summary>The stored event names this projection reads; null for every event. Other events only move its progress.</summary>
    IReadOnlySet<string>? EventTypes { get; }

    /// <summary>The tables the projection owns, so they can be created and rebuilt beside the live ones.</summary>
    IReadOnlyList<ProjectionTable> Tables { get; }

    /// <summary>Adds the writes that apply the batch's events (<see cref="ProjectionBatch.Add(NpgsqlBatchCommand)"/>), into <see cref="ProjectionBatch.Table"/>.</summary>
    Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken);
}

/// <summary>
/// A table owned by a projection, in the store's schema. <see cref="CreateSql"/> creates it: <c>{table}</c>
/// stands for the schema-qualified name to create (the live table or its shadow copy), <c>{name}</c> for the
/// bare name (for index names), <c>{schema}</c> for the schema. Leave constraints and indexes unnamed or
/// derive their names from <c>{name}</c>.
/// </summary>
public sealed record ProjectionTable(string Name, string CreateSql)
{
    /// <summary>The suffix of a table's shadow copy during a rebuild.</summary>
    public const string ShadowSuffix = "__rebuild";

    /// <summary>
    /// The column that names the patient a row belongs to, when the table holds a patient's data: erasure purges every
    /// such table by it (no feature keeps a list of other features' tables). Null for tables without patient data.
    /// </summary>
    public string? PatientColumn { get; init; }

    /// <summary>A column that holds the identifier digest of a patient not yet registered; erasure purges by it too.</summary>
    public string? DigestColumn { get; init; }

    internal string Render(string schema, string name) => CreateSql
        .Replace("{table}", $"{schema}.{name}", StringComparison.Ordinal)
        .Replace("{name}", name, StringComparison.Ordinal)
        .Replace("{schema}", schema, StringComparison.Ordinal);

    internal void Validate()
    {
        if (Name.Length is 0 or > 40 || !Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') || char.IsDigit(Name[0]))
        {
            throw new ArgumentException($"projection table name '{Name}' must be 1-40 characters of a-z, 0-9 and _, not starting with a digit");
        }

        if (!CreateSql.Contains("{table}", StringComparison.Ordinal))
        {
            throw new ArgumentException($"the create statement of projection table '{Name}' must name the table as {{table}}");
        }
    }
}

/// <summary>Events handed to a projection in one transaction, and the writes it adds for them.</summary>
public sealed class ProjectionBatch
{
    private readonly EventStore store;
    private readonly IReadOnlyDictionary<long, object>? decoded;
    private readonly string suffix;
    private readonly List<NpgsqlBatchCommand> writes = [];

    internal ProjectionBatch(EventStore store, IReadOnlyList<RecordedEvent> events, bool isRebuild, IReadOnlyDictionary<long, object>? decoded = null)
    {
        this.store = store;
        this.decoded = decoded;
        Events = events;
        IsRebuild = isRebuild;
        suffix = isRebuild ? ProjectionTable.ShadowSuffix : string.Empty;
    }

    /// <summary>The events to apply, in global order (each stream's events in version order).</summary>
    public IReadOnlyList<RecordedEvent> Events { get; }

    /// <summary>True while building shadow tables for a rebuild.</summary>
    public bool IsRebuild { get; }

    /// <summary>The schema that holds the projection's tables.</summary>
    public string Schema => store.Options.Schema;

    /// <summary>The writes added so far, in order.</summary>
    internal IReadOnlyList<NpgsqlBatchCommand> Writes => writes;

    /// <summary>The schema-qualified name to write a table under in this batch (its shadow copy during a rebuild).</summary>
    public string Table(string name) => $"{store.Options.Schema}.{name}{suffix}";

    /// <summary>Adds a write (parameters named <c>@name</c>); it commits with the projection's progress, in order.</summary>
    public void Add(NpgsqlBatchCommand command) => writes.Add(command ?? throw new ArgumentNullException(nameof(command)));

    /// <summary>Adds a write given as a <see cref="SqlWrite"/>.</summary>
    public void Add(SqlWrite write) => writes.Add((write ?? throw new ArgumentNullException(nameof(write))).ToBatchCommand());

    /// <summary>
    /// The events of a stream before <paramref name="recorded"/>, oldest first: for a projection that acts on an
    /// event by going back to earlier ones of its stream (events never change, so a rebuild reads the same).
    /// Encrypted payloads are decrypted, erased ones come back erased.
    /// </summary>
    public Task<IReadOnlyList<RecordedEvent>> ReadStreamBeforeAsync(RecordedEvent recorded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return recorded.StreamVersion <= 1
            ? Task.FromResult<IReadOnlyList<RecordedEvent>>([])
            : store.ReadStreamAsync(recorded.StreamId, 1, ReadDirection.Forward, (int)Math.Min(recorded.StreamVersion - 1, int.MaxValue), cancellationToken);
    }

    /// <summary>The event's payload as its current class (read-only: the daemon may share it).</summary>
    public object Deserialize(RecordedEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        return decoded is not null && decoded.TryGetValue(recorded.GlobalPosition, out var data) ? data : store.Deserialize(recorded);
    }
}
