using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.Hosting;
using Ledger.Domain.Results;
using Npgsql;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>Provenance</c>: who delivered a document's resources and the evidence in the ledger (id = the document id). Its
/// targets are the document's resources (the DiagnosticReport or Immunization, its Observations and
/// DocumentReferences); the agent is the delivering organisation; each event of the result stream is an entity (role
/// source) whose identifier is the event's hash in the hash chain (<c>urn:ledger:event-hash</c>, 64 hex digits, what
/// <c>ledger verify</c> recomputes), in version order.
/// </summary>
public sealed class ProvenanceResource(FhirDocuments documents, NpgsqlDataSource dataSource, LedgerRuntime runtime) : IFhirResourceType
{
    public const string HashSystem = "urn:ledger:event-hash";
    private static readonly DocumentType[] Types = [DocumentType.LabReport, DocumentType.InstrumentalStudy, DocumentType.Vaccination];

    public ResourceType Type => ResourceType.Provenance;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public Guid? DocumentOf(string id) => FhirDocuments.DocumentIdOf(id) is { } d && id.Length == 36 ? d : null;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken) =>
        DocumentOf(id) is { } document && await documents.LoadAsync(reader, document, Types, cancellationToken) is { } state
            ? await MapAsync(reader, state, cancellationToken)
            : null;

    public async Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        var (ids, total) = await documents.ListAsync(reader, Types, search.Count, search.Offset, cancellationToken);
        var matches = new List<Resource>();
        foreach (var id in ids)
        {
            if (await documents.LoadAsync(reader, id, Types, cancellationToken) is { } state)
            {
                matches.Add(await MapAsync(reader, state, cancellationToken));
            }
        }

        return new FhirPage(matches, total);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var state in await documents.AllAsync(reader, Types, cancellationToken))
        {
            all.Add(await MapAsync(reader, state, cancellationToken));
        }

        return all;
    }

    private async Task<Provenance> MapAsync(FhirReader reader, ResultState state, CancellationToken cancellationToken)
    {
        var id = state.DocumentId.Value.ToString("D");
        var targets = new List<ResourceReference>();
        switch (state.Current)
        {
            case LabReport lab:
                targets.Add(new ResourceReference("DiagnosticReport/" + id));
                targets.AddRange(Enumerable.Range(1, lab.Panels.Sum(p => p.Observations.Count)).Select(seq => new ResourceReference("Observation/" + ObservationMapper.Id(state.DocumentId.Value, seq))));
                break;
            case InstrumentalStudy study:
                targets.Add(new ResourceReference("DiagnosticReport/" + id));
                targets.AddRange(study.Attachments.Select((_, i) => new ResourceReference("DocumentReference/" + id + "-a" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture))));
                break;
            case Vaccination:
                targets.Add(new ResourceReference("Immunization/" + id));
                break;
        }

        var entities = new List<Provenance.EntityComponent>();
        DateTimeOffset? recorded = null;
        await using (var command = dataSource.CreateCommand($"""
            SELECT e.version, e.type, e.headers ->> '{EventStore.EventStore.HashHeader}', e.timestamp FROM {runtime.Schema}.mt_events e
            WHERE e.stream_id = @s AND {EventStore.EventStore.NotTombstone(runtime.Schema, "e")} ORDER BY e.version
            """))
        {
            command.Parameters.AddWithValue("s", state.DocumentId.Value);
            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            while (await rows.ReadAsync(cancellationToken))
            {
                recorded ??= new DateTimeOffset(rows.GetFieldValue<DateTime>(3), TimeSpan.Zero);
                entities.Add(new Provenance.EntityComponent
                {
                    Role = Provenance.ProvenanceEntityRole.Source,
                    What = new ResourceReference
                    {
                        Identifier = new Identifier(HashSystem, rows.IsDBNull(2) ? string.Empty : rows.GetString(2)),
                        Display = $"{rows.GetString(1)}, version {rows.GetInt64(0).ToString(System.Globalization.CultureInfo.InvariantCulture)}",
                    },
                });
            }
        }

        return new Provenance
        {
            Id = id,
            Target = targets,
            Recorded = recorded,
            Agent =
            [
                new Provenance.AgentComponent
                {
                    Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author"),
                    Who = await documents.OrganizationAsync(state.Sender.Value, cancellationToken),
                },
            ],
            Entity = entities,
        };
    }
}
