using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.Hosting;
using Ledger.App.MedicalCard;
using Ledger.Domain;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Results;
using Npgsql;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>Provenance</c>: who delivered a document's resources and the evidence in the ledger (id = the document id). Its
/// targets are the document's resources (the DiagnosticReport or Immunization, its Observations and
/// DocumentReferences); the agent is the delivering organisation; each event of the result stream is an entity (role
/// source) whose identifier is the event's hash in the hash chain (<c>urn:ledger:event-hash</c>, 64 hex digits, what
/// <c>ledger verify</c> recomputes), in version order. An entry of the medical card has one too (id = the entry id, for
/// the patient only, after the documents): its target is the Condition or AllergyIntolerance, its agent the delivering
/// organisation or, for the patient's own report, the Patient, its entities the entry's events in the card's stream.
/// </summary>
public sealed class ProvenanceResource(
    FhirDocuments documents, NpgsqlDataSource dataSource, LedgerRuntime runtime, MedicalCardQueries card, ConditionResource conditions, AllergyIntoleranceResource allergies, EventStore.EventStore store)
    : IFhirResourceType
{
    public const string HashSystem = "urn:ledger:event-hash";
    private static readonly DocumentType[] Types = [DocumentType.LabReport, DocumentType.InstrumentalStudy, DocumentType.Vaccination];

    public ResourceType Type => ResourceType.Provenance;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public Guid? DocumentOf(string id) => FhirDocuments.DocumentIdOf(id) is { } d && id.Length == 36 ? d : null;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (DocumentOf(id) is not { } document)
        {
            return null;
        }

        if (await documents.LoadAsync(reader, document, Types, cancellationToken) is { } state)
        {
            return await MapAsync(reader, state, cancellationToken);
        }

        return reader.IsPatient && await card.FindAsync(reader.Patient.Value, document, cancellationToken) is { } entry
            ? await MapAsync(reader, entry, cancellationToken)
            : null;
    }

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

        // The card's entries follow the documents (the page continues into them).
        var entries = await EntriesAsync(reader, cancellationToken);
        foreach (var entry in entries.Skip((int)Math.Max(0, search.Offset - total)).Take(search.Count - ids.Count))
        {
            matches.Add(await MapAsync(reader, entry, cancellationToken));
        }

        return new FhirPage(matches, total + entries.Count);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken)
    {
        var all = new List<Resource>();
        foreach (var state in await documents.AllAsync(reader, Types, cancellationToken))
        {
            all.Add(await MapAsync(reader, state, cancellationToken));
        }

        foreach (var entry in await EntriesAsync(reader, cancellationToken))
        {
            all.Add(await MapAsync(reader, entry, cancellationToken));
        }

        return all;
    }

    private async Task<IReadOnlyList<MedicalCardEntry>> EntriesAsync(FhirReader reader, CancellationToken cancellationToken) =>
        [.. await conditions.EntriesAsync(reader, cancellationToken), .. await allergies.EntriesAsync(reader, cancellationToken)];

    private async Task<Provenance> MapAsync(FhirReader reader, MedicalCardEntry entry, CancellationToken cancellationToken)
    {
        var stream = StreamIds.MedicalCard(reader.Patient);
        var versions = new List<long>();
        foreach (var recorded in await store.ReadStreamAsync(stream, cancellationToken: cancellationToken))
        {
            if (!recorded.IsErased && store.Deserialize(recorded) is IMedicalCardEvent e && e.EntryId == entry.EntryId)
            {
                versions.Add(recorded.StreamVersion);
            }
        }

        var (entities, recordedAt) = await EntitiesAsync(stream, versions, cancellationToken);
        var who = entry.Source == "patient" ? FhirDocuments.PatientReference(reader) : await documents.OrganizationAsync(entry.OrganizationId!.Value, cancellationToken);
        return new Provenance
        {
            Id = entry.EntryId.ToString("D"),
            Target = [new ResourceReference((entry.Kind == "condition" ? "Condition/" : "AllergyIntolerance/") + entry.EntryId.ToString("D"))],
            Recorded = recordedAt,
            Agent =
            [
                new Provenance.AgentComponent
                {
                    Type = new CodeableConcept("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author", "Author"),
                    Who = who,
                },
            ],
            Entity = entities,
        };
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

        var (entities, recorded) = await EntitiesAsync(state.DocumentId.Value, null, cancellationToken);

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

    /// <summary>The stream's events (only <paramref name="versions"/> when given) as source entities with their hashes, and when the first was recorded.</summary>
    private async Task<(List<Provenance.EntityComponent> Entities, DateTimeOffset? Recorded)> EntitiesAsync(Guid stream, IReadOnlyList<long>? versions, CancellationToken cancellationToken)
    {
        var entities = new List<Provenance.EntityComponent>();
        DateTimeOffset? recorded = null;
        await using var command = dataSource.CreateCommand($"""
            SELECT e.version, e.type, e.headers ->> '{EventStore.EventStore.HashHeader}', e.timestamp FROM {runtime.Schema}.mt_events e
            WHERE e.stream_id = @s AND (@all OR e.version = ANY(@versions)) AND {EventStore.EventStore.NotTombstone(runtime.Schema, "e")} ORDER BY e.version
            """);
        command.Parameters.AddWithValue("s", stream);
        command.Parameters.AddWithValue("all", versions is null);
        command.Parameters.AddWithValue("versions", (versions ?? []).ToArray());
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

        return (entities, recorded);
    }
}
