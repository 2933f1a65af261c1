using System.Text.RegularExpressions;
using Hl7.Fhir.Model;
using Ledger.App.Cabinet;
using Ledger.App.Consents;
using Ledger.App.Hosting;
using Ledger.App.Organizations;
using Ledger.Domain.Consents;
using Ledger.Domain.Results;
using NodaTime;
using Instant = NodaTime.Instant;
using Npgsql;

namespace Ledger.App.Fhir;

/// <summary>
/// The documents behind the resources: which documents of a type the reader may see (from the cabinet's read model,
/// newest first), each read from its result stream (the source of truth, with every version), and the references the
/// resources share.
/// </summary>
public sealed partial class FhirDocuments(NpgsqlDataSource dataSource, LedgerRuntime runtime, EventStore.EventStore store, OrganizationDirectory organizations)
{
    public const string OrganizationSystem = "urn:ledger:organization";

    /// <summary>The ids of the reader's documents of these types in scope, newest first, a page of them and the total.</summary>
    public async Task<(IReadOnlyList<Guid> Ids, long Total)> ListAsync(FhirReader reader, IReadOnlyList<DocumentType> types, int limit, int offset, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var where = "patient_id = @p AND document_type = ANY(@types)";
        await using var command = dataSource.CreateCommand();
        command.Parameters.AddWithValue("p", reader.Patient.Value);
        command.Parameters.AddWithValue("types", types.Select(ConsentText.Type).ToArray());
        if (reader.Consent is { } consent)
        {
            switch (consent.ScopeKind)
            {
                case ConsentScopeKind.DocumentTypes:
                    where += " AND document_type = ANY(@scopeTypes)";
                    command.Parameters.AddWithValue("scopeTypes", consent.DocumentTypes.ToArray());
                    break;
                case ConsentScopeKind.Documents:
                    where += " AND document_id = ANY(@scopeIds)";
                    command.Parameters.AddWithValue("scopeIds", consent.DocumentIds.ToArray());
                    break;
            }
        }

        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        command.CommandText = $"""
            SELECT document_id, count(*) OVER () FROM {runtime.Schema}.{CabinetProjection.Table} WHERE {where}
            ORDER BY event_at DESC, document_id LIMIT @limit OFFSET @offset
            """;
        var ids = new List<Guid>();
        long total = 0;
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await rows.ReadAsync(cancellationToken))
            {
                ids.Add(rows.GetGuid(0));
                total = rows.GetInt64(1);
            }
        }

        if (ids.Count == 0 && offset > 0)
        {
            command.CommandText = $"SELECT count(*) FROM {runtime.Schema}.{CabinetProjection.Table} WHERE {where}";
            total = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        return (ids, total);
    }

    /// <summary>The document when it is the reader's patient's, of one of these types and in the reader's scope; otherwise null.</summary>
    public async Task<ResultState?> LoadAsync(FhirReader reader, Guid documentId, IReadOnlyList<DocumentType> types, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (await DocumentReader.LoadAsync(store, documentId, reader.Patient, cancellationToken) is not { } loaded)
        {
            return null;
        }

        var type = loaded.State.DocumentType!.Value;
        return types.Contains(type) && reader.Sees(documentId, ConsentText.Type(type)) ? loaded.State : null;
    }

    /// <summary>Every document of these types the reader may see, newest first.</summary>
    public async Task<IReadOnlyList<ResultState>> AllAsync(FhirReader reader, IReadOnlyList<DocumentType> types, CancellationToken cancellationToken)
    {
        var (ids, _) = await ListAsync(reader, types, int.MaxValue, 0, cancellationToken);
        var states = new List<ResultState>(ids.Count);
        foreach (var id in ids)
        {
            if (await LoadAsync(reader, id, types, cancellationToken) is { } state)
            {
                states.Add(state);
            }
        }

        return states;
    }

    /// <summary>The delivering organisation as a logical reference: its ledger id and, when the directory knows it, its name.</summary>
    public async Task<ResourceReference> OrganizationAsync(Guid organizationId, CancellationToken cancellationToken)
    {
        var organization = await organizations.FindAsync(organizationId, cancellationToken);
        return new ResourceReference { Identifier = new Identifier(OrganizationSystem, organizationId.ToString("D")), Display = organization?.Name };
    }

    public static ResourceReference PatientReference(FhirReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ResourceReference("Patient/" + reader.Patient.Value.ToString("D"));
    }

    public static DateTimeOffset At(Instant instant) => instant.ToDateTimeOffset();

    /// <summary>A FHIR id (<c>[A-Za-z0-9\-\.]{1,64}</c>); anything else is a 400 naming the id.</summary>
    public static void RequireId(string id)
    {
        if (!IdSyntax().IsMatch(id ?? string.Empty))
        {
            throw FhirProblem.BadParameter("id", "a FHIR id: 1 to 64 letters, digits, '-' or '.'");
        }
    }

    /// <summary>The document id an id of the form <c>{uuid}</c> or <c>{uuid}-{suffix}</c> starts with.</summary>
    public static Guid? DocumentIdOf(string id) =>
        id is { Length: >= 36 } && Guid.TryParseExact(id[..36], "D", out var document) && (id.Length == 36 || id[36] == '-') ? document : null;

    [GeneratedRegex("^[A-Za-z0-9\\-\\.]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdSyntax();
}
