using Ledger.Domain;
using System.Collections.Concurrent;
using System.Diagnostics;
using Ledger.App.Hosting;
using Ledger.Domain.Organizations;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.Organizations;

/// <summary>One row of the <c>organizations</c> read model.</summary>
public sealed record OrganizationRow(
    Guid OrganizationId,
    string Ogrn,
    string Inn,
    string Name,
    string Type,
    string Status,
    bool CanDeliver,
    IReadOnlyList<string> MllpSources);

/// <summary>
/// The <c>organizations</c> table, written inline with the organisation events so that a delivery checks the
/// sender against what has committed. Status is <c>registered</c>, <c>confirmed</c>, <c>rejected</c> or
/// <c>suspended</c>; <c>can_deliver</c> is confirmed, not suspended and delivery enabled. The allowed MLLP source
/// addresses are configuration, not part of the domain's events: the register endpoint sets them after the
/// registration commits.
/// </summary>
/// <remarks>
/// The lookups made for deliveries (<see cref="FindForDeliveryAsync"/>, <see cref="FindByFacilityAsync"/>) are cached
/// for <see cref="DeliveryCacheTtl"/>. A change written through this process (an organisation event, new MLLP
/// sources) empties the cache and keeps it from filling for a second, so it applies to the next delivery here; on
/// other nodes it applies within <see cref="DeliveryCacheTtl"/>.
/// </remarks>
public sealed class OrganizationDirectory(NpgsqlDataSource dataSource, LedgerRuntime runtime) : IInlineProjection
{
    public const string Table = "organizations";

    /// <summary>How long a delivery's lookup of its sender is reused.</summary>
    public static readonly TimeSpan DeliveryCacheTtl = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan QuietAfterChange = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, (OrganizationRow? Row, long LoadedAt)> deliveryCache = new(StringComparer.Ordinal);
    private long noCacheUntil;

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(OrganizationRegistered), typeof(OrganizationConfirmed), typeof(OrganizationRejected), typeof(OrganizationSuspended), typeof(OrganizationDeliveryEnabled));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                org_id uuid PRIMARY KEY,
                ogrn text NOT NULL UNIQUE,
                inn text NOT NULL,
                name text NOT NULL,
                type text NOT NULL,
                status text NOT NULL,
                delivery_enabled boolean NOT NULL DEFAULT false,
                can_deliver boolean NOT NULL DEFAULT false,
                mllp_sources text[] NOT NULL DEFAULT '{}')
            """),
    ];

    public async Task ApplyAsync(AppendContext context, IReadOnlyList<AppendedEnvelope> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(events);
        ForgetDeliveryLookups();
        foreach (var data in events.Select(e => e.Data))
        {
            var (sql, id, parameters) = data switch
            {
                OrganizationRegistered e => (
                    $"INSERT INTO {{0}} (org_id, ogrn, inn, name, type, status) VALUES (@id, @ogrn, @inn, @name, @type, 'registered') ON CONFLICT DO NOTHING",
                    e.OrganizationId.Value,
                    new Dictionary<string, object>
                    {
                        ["ogrn"] = e.Ogrn.Digits, ["inn"] = e.Inn.Digits, ["name"] = e.Name, ["type"] = e.Type.ToString().ToLowerInvariant(),
                    }),
                OrganizationConfirmed e => ("UPDATE {0} SET status = CASE WHEN status = 'suspended' THEN status ELSE 'confirmed' END WHERE org_id = @id", e.OrganizationId.Value, null),
                OrganizationRejected e => ("UPDATE {0} SET status = CASE WHEN status = 'suspended' THEN status ELSE 'rejected' END WHERE org_id = @id", e.OrganizationId.Value, null),
                OrganizationSuspended e => ("UPDATE {0} SET status = 'suspended', can_deliver = false WHERE org_id = @id", e.OrganizationId.Value, null),
                OrganizationDeliveryEnabled e => ("UPDATE {0} SET delivery_enabled = true, can_deliver = (status = 'confirmed') WHERE org_id = @id", e.OrganizationId.Value, null),
                _ => (null, Guid.Empty, null),
            };
            if (sql is null)
            {
                continue;
            }

            await using var command = new NpgsqlCommand(sql.Replace("{0}", $"{runtime.Schema}.{Table}", StringComparison.Ordinal), context.Transaction.Connection, context.Transaction);
            command.Parameters.AddWithValue("id", id);
            foreach (var (name, value) in parameters ?? [])
            {
                command.Parameters.AddWithValue(name, value);
            }

            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0 && data is OrganizationRegistered)
            {
                throw new Domain.DomainRejection("organization.ogrn_taken", "Another organisation is already registered with this ОГРН.");
            }
        }
    }

    /// <summary>Sets the source addresses MLLP connections of the organisation may come from.</summary>
    public async Task SetMllpSourcesAsync(Guid organizationId, IReadOnlyList<string> sources, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {runtime.Schema}.{Table} SET mllp_sources = @s WHERE org_id = @id");
        command.Parameters.AddWithValue("id", organizationId);
        command.Parameters.AddWithValue("s", sources.ToArray());
        ForgetDeliveryLookups();
        await command.ExecuteNonQueryAsync(cancellationToken);
        ForgetDeliveryLookups();
    }

    public Task<OrganizationRow?> FindAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        FindOneAsync("org_id = @v", organizationId, cancellationToken);

    public Task<OrganizationRow?> FindByOgrnAsync(string ogrn, CancellationToken cancellationToken = default) =>
        FindOneAsync("ogrn = @v", ogrn, cancellationToken);

    /// <summary>The organisation a delivery's token names (cached, see the remarks).</summary>
    public Task<OrganizationRow?> FindForDeliveryAsync(Guid organizationId, CancellationToken cancellationToken = default) =>
        CachedAsync("id\n" + organizationId.ToString("N"), () => FindAsync(organizationId, cancellationToken));

    /// <summary>
    /// The organisation an MLLP message names in MSH-4: the first candidate that is an organisation's ОГРН, or else
    /// its exact name (cached, see the remarks).
    /// </summary>
    public Task<OrganizationRow?> FindByFacilityAsync(IEnumerable<string> candidates, CancellationToken cancellationToken = default)
    {
        var names = candidates.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        return names.Length == 0
            ? Task.FromResult<OrganizationRow?>(null)
            : CachedAsync("facility\n" + string.Join('\u001F', names), () => FindByFacilityUncachedAsync(names, cancellationToken));
    }

    private async Task<OrganizationRow?> FindByFacilityUncachedAsync(string[] names, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM {runtime.Schema}.{Table} WHERE ogrn = ANY(@v) OR name = ANY(@v)");
        command.Parameters.AddWithValue("v", names);
        var rows = new List<OrganizationRow>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(Read(reader));
            }
        }

        foreach (var name in names)
        {
            if ((rows.FirstOrDefault(r => r.Ogrn == name) ?? rows.FirstOrDefault(r => r.Name == name)) is { } row)
            {
                return row;
            }
        }

        return null;
    }

    private async Task<OrganizationRow?> CachedAsync(string key, Func<Task<OrganizationRow?>> load)
    {
        var now = Stopwatch.GetTimestamp();
        if (deliveryCache.TryGetValue(key, out var cached) && Stopwatch.GetElapsedTime(cached.LoadedAt, now) < DeliveryCacheTtl)
        {
            return cached.Row;
        }

        var row = await load();
        if (now > Interlocked.Read(ref noCacheUntil))
        {
            if (deliveryCache.Count > 10_000)
            {
                deliveryCache.Clear();
            }

            deliveryCache[key] = (row, now);
        }

        return row;
    }

    private void ForgetDeliveryLookups()
    {
        Interlocked.Exchange(ref noCacheUntil, Stopwatch.GetTimestamp() + (long)(QuietAfterChange.TotalSeconds * Stopwatch.Frequency));
        deliveryCache.Clear();
    }

    private const string Columns = "org_id, ogrn, inn, name, type, status, can_deliver, mllp_sources";

    private static OrganizationRow Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetBoolean(6), reader.GetFieldValue<string[]>(7));

    private async Task<OrganizationRow?> FindOneAsync(string where, object value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM {runtime.Schema}.{Table} WHERE {where} LIMIT 1");
        command.Parameters.AddWithValue("v", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }
}
