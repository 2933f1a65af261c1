using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.Consents;
using Ledger.App.Hosting;
using Ledger.Domain.Consents;
using Ledger.Domain.Results;
using Ledger.Domain.Serialization;
using NodaTime;
using Instant = NodaTime.Instant;
using Npgsql;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>Observation</c>: the lab values, from <see cref="FhirObservationProjection"/> (the latest version of each report);
/// earlier versions through <c>_history</c>, from the result stream. Search by <c>code</c>, <c>date</c>, <c>category</c>.
/// </summary>
public sealed class ObservationResource(NpgsqlDataSource dataSource, LedgerRuntime runtime, FhirDocuments documents) : IFhirResourceType
{
    private static readonly DocumentType[] Lab = [DocumentType.LabReport];

    public ResourceType Type => ResourceType.Observation;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } =
    [
        new("code", SearchParamType.Token, "system|code, code (any system), |code (no system) or system| ; several values separated by commas match any."),
        new("date", SearchParamType.Date, "The collection time, with a prefix eq (default), ge, gt, le or lt and a date (yyyy, yyyy-MM, yyyy-MM-dd) or an instant; repeat for a range."),
        new("category", SearchParamType.Token, "laboratory (every observation served is one), with or without the observation-category system."),
    ];

    public bool HasHistory => true;

    public Guid? DocumentOf(string id) => ObservationMapper.ParseId(id)?.Document;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        if (ObservationMapper.ParseId(id) is not { } key)
        {
            return null;
        }

        var page = await QueryAsync(reader, "document_id = @doc AND seq = @seq", c =>
        {
            c.Parameters.AddWithValue("doc", key.Document);
            c.Parameters.AddWithValue("seq", key.Seq);
        }, 1, 0, cancellationToken);
        return page.Matches.FirstOrDefault();
    }

    public Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        var where = new StringBuilder("true");
        var parameters = new List<(string, object)>();
        var n = 0;
        foreach (var value in search.Values("code"))
        {
            var any = new List<string>();
            foreach (var token in value.Split(','))
            {
                n++;
                var bar = token.IndexOf('|', StringComparison.Ordinal);
                if (bar < 0)
                {
                    any.Add($"code = @c{n}");
                    parameters.Add(($"c{n}", token));
                }
                else if (bar == 0)
                {
                    // |code: a code without a system; every code served has one, so nothing matches.
                    any.Add("false");
                }
                else if (bar == token.Length - 1)
                {
                    any.Add($"code_system = @s{n}");
                    parameters.Add(($"s{n}", token[..bar]));
                }
                else
                {
                    any.Add($"(code_system = @s{n} AND code = @c{n})");
                    parameters.Add(($"s{n}", token[..bar]));
                    parameters.Add(($"c{n}", token[(bar + 1)..]));
                }
            }

            where.Append(" AND (").Append(string.Join(" OR ", any)).Append(')');
        }

        foreach (var value in search.Values("category"))
        {
            var matches = value.Split(',').Any(t => t is "laboratory" || t == ObservationMapper.CategorySystem + "|laboratory");
            where.Append(matches ? string.Empty : " AND false");
        }

        foreach (var value in search.Values("date"))
        {
            n++;
            var (condition, from, to) = FhirDates.Condition("date", value, "effective_at", $"d{n}");
            where.Append(" AND ").Append(condition);
            if (from is { } f)
            {
                parameters.Add(($"d{n}from", f.ToDateTimeUtc()));
            }

            if (to is { } t)
            {
                parameters.Add(($"d{n}to", t.ToDateTimeUtc()));
            }
        }

        return QueryAsync(reader, where.ToString(), c =>
        {
            foreach (var (name, v) in parameters)
            {
                c.Parameters.AddWithValue(name, v);
            }
        }, search.Count, search.Offset, cancellationToken);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken) =>
        (await QueryAsync(reader, "true", _ => { }, int.MaxValue, 0, cancellationToken)).Matches;

    /// <summary>The observations of these documents (for a DiagnosticReport's <c>_include</c>).</summary>
    public async Task<IReadOnlyList<Resource>> OfDocumentsAsync(FhirReader reader, IReadOnlyList<Guid> documentIds, CancellationToken cancellationToken) =>
        (await QueryAsync(reader, "document_id = ANY(@docs)", c => c.Parameters.AddWithValue("docs", documentIds.ToArray()), int.MaxValue, 0, cancellationToken)).Matches;

    public async Task<IReadOnlyList<Resource>?> HistoryAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        if (ObservationMapper.ParseId(id) is not { } key || await documents.LoadAsync(reader, key.Document, Lab, cancellationToken) is not { } state)
        {
            return null;
        }

        var performer = await documents.OrganizationAsync(state.Sender.Value, cancellationToken);
        var versions = new List<Resource>();
        foreach (var version in state.Versions.Reverse())
        {
            var report = (LabReport)version.Content;
            if (report.Panels.SelectMany(p => p.Observations).ElementAtOrDefault(key.Seq - 1) is { } observation)
            {
                versions.Add(ObservationMapper.Map(reader, key.Document, key.Seq, observation, report.CollectedAt, report.IssuedAt, performer, version.Number));
            }
        }

        return versions.Count == 0 ? null : versions;
    }

    private async Task<FhirPage> QueryAsync(FhirReader reader, string where, Action<NpgsqlCommand> bind, int limit, int offset, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue("p", reader.Patient.Value);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        bind(command);
        var scope = string.Empty;
        if (reader.Consent is { } consent)
        {
            switch (consent.ScopeKind)
            {
                case ConsentScopeKind.DocumentTypes when !consent.DocumentTypes.Contains(ConsentText.Type(DocumentType.LabReport)):
                    scope = " AND false";
                    break;
                case ConsentScopeKind.Documents:
                    scope = " AND document_id = ANY(@scopeIds)";
                    command.Parameters.AddWithValue("scopeIds", consent.DocumentIds.ToArray());
                    break;
            }
        }

        command.CommandText = $"""
            SELECT document_id, seq, organization_id, effective_at, issued_at, version, observation, count(*) OVER ()
            FROM {runtime.Schema}.{FhirObservationProjection.Table}
            WHERE patient_id = @p{scope} AND {where}
            ORDER BY effective_at DESC, document_id, seq
            LIMIT @limit OFFSET @offset
            """;
        var rows = new List<(Guid Document, int Seq, Guid Organization, DateTime Effective, DateTime Issued, int Version, string Json)>();
        long total = 0;
        await using (var found = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await found.ReadAsync(cancellationToken))
            {
                rows.Add((found.GetGuid(0), found.GetInt32(1), found.GetGuid(2), found.GetFieldValue<DateTime>(3), found.GetFieldValue<DateTime>(4), found.GetInt32(5), found.GetString(6)));
                total = found.GetInt64(7);
            }
        }

        if (rows.Count == 0 && offset > 0)
        {
            command.CommandText = $"SELECT count(*) FROM {runtime.Schema}.{FhirObservationProjection.Table} WHERE patient_id = @p{scope} AND {where}";
            total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        var performers = new Dictionary<Guid, ResourceReference>();
        var matches = new List<Resource>(rows.Count);
        foreach (var row in rows)
        {
            if (!performers.TryGetValue(row.Organization, out var performer))
            {
                performers[row.Organization] = performer = await documents.OrganizationAsync(row.Organization, cancellationToken);
            }

            var observation = JsonSerializer.Deserialize<LabObservation>(row.Json, DomainJson.Options)!;
            matches.Add(ObservationMapper.Map(reader, row.Document, row.Seq, observation, Instant.FromDateTimeUtc(row.Effective), Instant.FromDateTimeUtc(row.Issued), performer, row.Version));
        }

        return new FhirPage(matches, total);
    }
}
