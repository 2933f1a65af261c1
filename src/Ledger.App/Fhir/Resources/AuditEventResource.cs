using Hl7.Fhir.Model;
using Task = System.Threading.Tasks.Task;
using Ledger.App.AccessJournal;
using Ledger.App.Hosting;
using Npgsql;

namespace Ledger.App.Fhir.Resources;

/// <summary>
/// <c>AuditEvent</c>: the patient's access journal (id = the access event's id), newest first: who (actor kind and
/// internal id, <c>urn:ledger:actor:{kind}</c>), when, through which channel, for which purpose, from which address, the
/// document read and the outcome (0 succeeded, 4 a refusal or a partial read, 8 a failure). The patient's own: a share
/// link may not read it.
/// </summary>
public sealed class AuditEventResource(NpgsqlDataSource dataSource, LedgerRuntime runtime) : IFhirResourceType
{
    public ResourceType Type => ResourceType.AuditEvent;

    public IReadOnlyList<FhirSearchParameter> SearchParameters { get; } = [];

    public bool SharedWithLinks => false;

    public async Task<Resource?> ReadAsync(FhirReader reader, string id, CancellationToken cancellationToken) =>
        Guid.TryParseExact(id, "D", out var eventId) ? (await QueryAsync(reader, "event_id = @e", eventId, 1, 0, cancellationToken)).Matches.FirstOrDefault() : null;

    public Task<FhirPage> SearchAsync(FhirReader reader, FhirSearch search, IReadOnlyList<string> includes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        return QueryAsync(reader, "true", null, search.Count, search.Offset, cancellationToken);
    }

    public async Task<IReadOnlyList<Resource>> EverythingAsync(FhirReader reader, CancellationToken cancellationToken) =>
        (await QueryAsync(reader, "true", null, int.MaxValue, 0, cancellationToken)).Matches;

    private async Task<FhirPage> QueryAsync(FhirReader reader, string where, Guid? eventId, int limit, int offset, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT event_id, at, actor_kind, actor_id, document_id, purpose, channel, source_address, outcome, reason_code, count(*) OVER ()
            FROM {runtime.Schema}.{AccessJournalProjection.Table}
            WHERE patient_id = @p AND {where}
            ORDER BY recorded_at DESC, stream_version DESC LIMIT @limit OFFSET @offset
            """);
        command.Parameters.AddWithValue("p", reader.Patient.Value);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("offset", offset);
        if (eventId is { } e)
        {
            command.Parameters.AddWithValue("e", e);
        }

        var matches = new List<Resource>();
        long total = 0;
        await using (var rows = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await rows.ReadAsync(cancellationToken))
            {
                total = rows.GetInt64(10);
                var outcome = rows.GetString(8);
                var audit = new AuditEvent
                {
                    Id = rows.GetGuid(0).ToString("D"),
                    Type = new Coding("http://dicom.nema.org/resources/ontology/DCM", "110110", "Patient Record"),
                    Action = AuditEvent.AuditEventAction.R,
                    Recorded = new DateTimeOffset(rows.GetFieldValue<DateTime>(1), TimeSpan.Zero),
                    Outcome = outcome switch
                    {
                        "succeeded" => AuditEvent.AuditEventOutcome.N0,
                        "failed" => AuditEvent.AuditEventOutcome.N8,
                        _ => AuditEvent.AuditEventOutcome.N4,
                    },
                    OutcomeDesc = rows.IsDBNull(9) ? outcome : outcome + ": " + rows.GetString(9),
                    Agent =
                    [
                        new AuditEvent.AgentComponent
                        {
                            Who = new ResourceReference { Identifier = new Identifier("urn:ledger:actor:" + rows.GetString(2), rows.GetGuid(3).ToString("D")), Display = rows.GetString(2) },
                            Requestor = true,
                            PurposeOfUse = [new CodeableConcept { Text = rows.GetString(5) }],
                            Network = rows.IsDBNull(7) ? null : new AuditEvent.NetworkComponent { Address = rows.GetString(7), Type = AuditEvent.AuditEventAgentNetworkType.N2 },
                        },
                    ],
                    Source = new AuditEvent.SourceComponent
                    {
                        Observer = new ResourceReference { Display = "ledger" },
                        Type = [new Coding("http://terminology.hl7.org/CodeSystem/security-source-type", "4", "Application Server")],
                    },
                    Entity = [new AuditEvent.EntityComponent { What = FhirDocuments.PatientReference(reader) }],
                };
                audit.Subtype = [new Coding("urn:ledger:access-channel", rows.GetString(6))];
                if (!rows.IsDBNull(4))
                {
                    audit.Entity.Add(new AuditEvent.EntityComponent { What = new ResourceReference { Identifier = new Identifier("urn:ledger:document", rows.GetGuid(4).ToString("D")) } });
                }

                matches.Add(audit);
            }
        }

        return new FhirPage(matches, total);
    }
}
