using System.Globalization;
using System.Text;
using Ledger.App.Consents;
using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Organizations;
using Ledger.Domain.Consents;
using Ledger.Domain.Results;
using NodaTime;
using Npgsql;

namespace Ledger.App.Cabinet;

/// <summary>Filters of the document list; all optional.</summary>
public sealed record CabinetFilter(
    Instant? From = null,
    Instant? To = null,
    string? Type = null,
    string? Kind = null,
    string? Modality = null,
    string? Status = null,
    Guid? Organization = null,
    string? Search = null,
    int Page = 1,
    int PageSize = 20)
{
    public const int MaxPageSize = 100;

    /// <summary>Reads the query string; returns the name of the offending parameter and why, or null.</summary>
    public static (CabinetFilter? Filter, string? Field, string? Reason) Parse(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Instant? from = null, to = null;
        if (query["from"].ToString() is { Length: > 0 } f)
        {
            if (!QueryInstant.TryParse(f, upperBound: false, out var start))
            {
                return (null, "from", QueryInstant.Expected);
            }

            from = start;
        }

        if (query["to"].ToString() is { Length: > 0 } t)
        {
            if (!QueryInstant.TryParse(t, upperBound: true, out var end))
            {
                return (null, "to", QueryInstant.Expected);
            }

            to = end;
        }

        Guid? organization = null;
        if (query["organization"].ToString() is { Length: > 0 } o)
        {
            if (!Guid.TryParse(o, out var id))
            {
                return (null, "organization", "an organisation id (uuid)");
            }

            organization = id;
        }

        var page = 1;
        if (query["page"].ToString() is { Length: > 0 } p && (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out page) || page < 1))
        {
            return (null, "page", "a positive number");
        }

        var size = 20;
        if (query["pageSize"].ToString() is { Length: > 0 } s && (!int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size < 1 || size > MaxPageSize))
        {
            return (null, "pageSize", $"1 to {MaxPageSize}");
        }

        static string? Text(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        var (type, kind, modality, status) = (Text(query["type"].ToString()), Text(query["kind"].ToString()), Text(query["modality"].ToString()), Text(query["status"].ToString()));

        // An unknown value would match nothing: it is refused rather than answered with an empty list.
        foreach (var (name, value, allowed, comparison) in new[]
        {
            ("type", type, Types, StringComparison.Ordinal),
            ("kind", kind, Kinds, StringComparison.Ordinal),
            ("modality", modality, Modalities, StringComparison.OrdinalIgnoreCase),
            ("status", status, Statuses, StringComparison.Ordinal),
        })
        {
            if (value is not null && !allowed.Any(a => string.Equals(a, value, comparison)))
            {
                return (null, name, "one of " + string.Join(", ", allowed));
            }
        }

        return (new CabinetFilter(from, to, type, kind, modality, status, organization, Text(query["q"].ToString()), page, size), null, null);
    }

    public static IReadOnlyList<string> Types { get; } = CamelCaseEnumConverterFactory.Names(typeof(DocumentType));

    public static IReadOnlyList<string> Kinds { get; } = [LabKinds.Blood, LabKinds.Urine, LabKinds.Biochemistry, LabKinds.Other, "instrumental", "protocol", "vaccination"];

    public static IReadOnlyList<string> Modalities { get; } = CamelCaseEnumConverterFactory.Names(typeof(Modality));

    public static IReadOnlyList<string> Statuses { get; } = CamelCaseEnumConverterFactory.Names(typeof(ResultStatus));

    /// <summary>The query parameters <see cref="Parse"/> reads, for the OpenAPI document.</summary>
    public static IReadOnlyList<ApiParameter> Parameters { get; } =
    [
        new("from", "Documents whose clinical time (collection, study, visit or vaccination) is at or after this date (its start, UTC) or instant.", Example: "2026-01-01"),
        new("to", "Documents whose clinical time is before this instant, or before the end of this date (UTC).", Example: "2026-03-01T00:00:00Z"),
        new("type", "The document type.", Values: Types),
        new("kind", "The kind: for laboratory reports blood, urine, biochemistry or other (from the LOINC codes); instrumental, protocol, vaccination for the other types.", Values: Kinds),
        new("modality", "The modality of an instrumental study (case-insensitive).", Values: Modalities),
        new("status", "The document's status.", Values: Statuses),
        new("organization", "The delivering organisation's id.", Format: "uuid"),
        new("q", "A case-insensitive part of the order or specimen number, a panel or test name, or the responsible specialist."),
        new("page", "The page, from 1.", Type: "integer", Minimum: 1, Example: "1"),
        new("pageSize", "Documents per page (default 20).", Type: "integer", Minimum: 1, Maximum: MaxPageSize, Example: "20"),
    ];
}

public sealed record DocumentSummary(
    Guid DocumentId,
    string DocumentType,
    string Kind,
    string? Modality,
    Instant EventAt,
    Instant? IssuedAt,
    Guid OrganizationId,
    string? OrganizationName,
    string Status,
    string Title,
    string? OrderNumber,
    string? DocumentNumber,
    string? Specialist,
    int OutOfRange,
    int Corrections,
    Instant ArrivedAt,
    bool IsNew);

public sealed record CabinetPage(IReadOnlyList<DocumentSummary> Items, int Page, int PageSize, long Total, Instant? LastVisitAt);

/// <summary>Reads of <c>cabinet_documents</c>, for the patient and for a consent's scope; and the patient's last visit.</summary>
public sealed class CabinetQueries(NpgsqlDataSource dataSource, LedgerRuntime runtime)
{
    public const string VisitsTable = "cabinet_visits";

    public async Task<CabinetPage> ListAsync(Guid patientId, CabinetFilter filter, ConsentRow? scope, Instant? newSince, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var where = new StringBuilder("patient_id = @patient");
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue("patient", patientId);
        void Add(string condition, string name, object value)
        {
            where.Append(" AND ").Append(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (filter.From is { } from)
        {
            Add("event_at >= @from", "from", from.ToDateTimeUtc());
        }

        if (filter.To is { } to)
        {
            Add("event_at < @to", "to", to.ToDateTimeUtc());
        }

        if (filter.Type is { } type)
        {
            Add("document_type = @type", "type", type);
        }

        if (filter.Kind is { } kind)
        {
            Add("kind = @kind", "kind", kind);
        }

        if (filter.Modality is { } modality)
        {
            Add("lower(modality) = lower(@modality)", "modality", modality);
        }

        if (filter.Status is { } status)
        {
            Add("status = @status", "status", status.ToLowerInvariant());
        }

        if (filter.Organization is { } organization)
        {
            Add("organization_id = @org", "org", organization);
        }

        if (filter.Search is { } search)
        {
            Add("""
                (strpos(lower(coalesce(order_number, '')), lower(@q)) > 0 OR strpos(lower(coalesce(document_number, '')), lower(@q)) > 0
                 OR strpos(lower(test_names), lower(@q)) > 0 OR strpos(lower(coalesce(specialist, '')), lower(@q)) > 0)
                """, "q", search);
        }

        if (scope is not null)
        {
            switch (scope.ScopeKind)
            {
                case ConsentScopeKind.DocumentTypes: Add("document_type = ANY(@scopeTypes)", "scopeTypes", scope.DocumentTypes.ToArray()); break;
                case ConsentScopeKind.Documents: Add("document_id = ANY(@scopeIds)", "scopeIds", scope.DocumentIds.ToArray()); break;
            }
        }

        command.Parameters.AddWithValue("limit", filter.PageSize);
        command.Parameters.AddWithValue("offset", (long)(filter.Page - 1) * filter.PageSize);
        // The organisation's name comes from the organisation directory (written inline, so every sender is there).
        command.CommandText = $"""
            SELECT d.document_id, d.document_type, d.kind, d.modality, d.event_at, d.issued_at, d.organization_id, d.status, d.title, d.order_number,
                   d.document_number, d.specialist, d.out_of_range, d.corrections, d.arrived_at, count(*) OVER (), o.name
            FROM (SELECT * FROM {runtime.Schema}.{CabinetProjection.Table} WHERE {where}) d
            LEFT JOIN {runtime.Schema}.{OrganizationDirectory.Table} o ON o.org_id = d.organization_id
            ORDER BY d.event_at DESC, d.arrived_at DESC, d.document_id
            LIMIT @limit OFFSET @offset
            """;
        var items = new List<DocumentSummary>();
        long total = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var arrived = At(reader, 14)!.Value;
                items.Add(new DocumentSummary(
                    reader.GetGuid(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), At(reader, 4)!.Value, At(reader, 5), reader.GetGuid(6), Text(reader, 16),
                    reader.GetString(7), reader.GetString(8), Text(reader, 9), Text(reader, 10), Text(reader, 11), reader.GetInt32(12), reader.GetInt32(13),
                    arrived, scope is null && (newSince is null || arrived > newSince)));
                total = reader.GetInt64(15);
            }
        }

        if (items.Count == 0 && filter.Page > 1)
        {
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {runtime.Schema}.{CabinetProjection.Table} WHERE {where}");
            foreach (NpgsqlParameter parameter in command.Parameters)
            {
                if (parameter.ParameterName is not ("limit" or "offset"))
                {
                    count.Parameters.AddWithValue(parameter.ParameterName, parameter.Value!);
                }
            }

            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        return new CabinetPage(items, filter.Page, filter.PageSize, total, newSince);
    }

    /// <summary>The organisations that delivered documents to the patient, by name (for the list's filter).</summary>
    public async Task<IReadOnlyList<(Guid Id, string Name)>> OrganizationsAsync(Guid patientId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT DISTINCT d.organization_id, coalesce(o.name, d.organization_id::text) AS name
            FROM {runtime.Schema}.{CabinetProjection.Table} d
            LEFT JOIN {runtime.Schema}.{OrganizationDirectory.Table} o ON o.org_id = d.organization_id
            WHERE d.patient_id = @p ORDER BY name
            """);
        command.Parameters.AddWithValue("p", patientId);
        var list = new List<(Guid, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add((reader.GetGuid(0), reader.GetString(1)));
        }

        return list;
    }

    /// <summary>Records this visit and returns the previous one (null on the first).</summary>
    public async Task<Instant?> VisitAsync(Guid patientId, Instant now, CancellationToken cancellationToken)
    {
        // The visit marker is a convenience: its commit does not wait for the disk (a crash may forget the last
        // few visits, which only shows some documents as new again). Listing stays a read for the disk.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var relaxed = new NpgsqlCommand("SET LOCAL synchronous_commit TO OFF", connection, transaction))
        {
            await relaxed.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var command = new NpgsqlCommand($"""
            WITH previous AS (SELECT last_visit_at FROM {runtime.Schema}.{VisitsTable} WHERE patient_id = @p),
                 upsert AS (INSERT INTO {runtime.Schema}.{VisitsTable} (patient_id, last_visit_at) VALUES (@p, @now)
                            ON CONFLICT (patient_id) DO UPDATE SET last_visit_at = excluded.last_visit_at)
            SELECT last_visit_at FROM previous
            """, connection, transaction);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.AddWithValue("now", now.ToDateTimeUtc());
        var previous = await command.ExecuteScalarAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return previous is DateTime at ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : null;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    private static Instant? At(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : Instant.FromDateTimeUtc(reader.GetFieldValue<DateTime>(i));
}
