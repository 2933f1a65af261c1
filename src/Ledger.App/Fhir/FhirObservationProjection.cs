using System.Text.Json;
using Ledger.App.Cabinet;
using Ledger.App.Patients;
using Ledger.Domain;
using Ledger.Domain.Results;
using Ledger.Domain.Serialization;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.App.Fhir;

/// <summary>
/// <c>fhir_observations</c>: one row per observation of the latest version of every lab report, what the FHIR
/// <c>Observation</c> search reads: patient (or identifier digest until the result is matched), code system and code,
/// collection and issue times, the document's content version and the observation itself (the domain's JSON). The
/// row's <c>seq</c> is the observation's 1-based position in the report (panels in order), which with the document id
/// makes the FHIR id. A correction replaces the document's rows. Rows hold clinical data: they are purged when the
/// patient is erased, erased events are skipped, and rows of erased patients are removed at the end of every batch.
/// </summary>
public sealed class FhirObservationProjection : IProjection
{
    public const string Table = "fhir_observations";

    public string Name => "fhir_observations";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(LabResultArrived), typeof(ResultCorrected), typeof(ResultPatientResolved));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                document_id uuid NOT NULL,
                seq integer NOT NULL,
                patient_id uuid NULL,
                identifier_digest text NULL,
                organization_id uuid NOT NULL,
                code_system text NOT NULL,
                code text NOT NULL,
                effective_at timestamptz NOT NULL,
                issued_at timestamptz NOT NULL,
                version integer NOT NULL,
                observation jsonb NOT NULL,
                PRIMARY KEY (document_id, seq));
            CREATE INDEX {name}_code ON {table} (patient_id, code, effective_at DESC) WHERE patient_id IS NOT NULL;
            CREATE INDEX {name}_date ON {table} (patient_id, effective_at DESC) WHERE patient_id IS NOT NULL;
            CREATE INDEX {name}_digest ON {table} (identifier_digest) WHERE identifier_digest IS NOT NULL
            """) { PatientColumn = "patient_id", DigestColumn = "identifier_digest" },
    ];

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recorded in batch.Events.Where(e => !e.IsErased))
        {
            var data = batch.Deserialize(recorded);
            CabinetProjection.Touch(data, patients, digests);
            switch (data)
            {
                case LabResultArrived e:
                    batch.Add(Insert(table, e, e.Report, 1));
                    break;
                case ResultCorrected { Content: LabReport report } e:
                    // The version a correction makes: one more than the contents the stream held before it.
                    var before = await batch.ReadStreamBeforeAsync(recorded, cancellationToken);
                    var version = 1 + before.Count(r => r.EventType is var t && (t == Arrived || t == Corrected));
                    batch.Add(Delete(table, e.DocumentId.Value));
                    batch.Add(Insert(table, e, report, version));
                    break;
                case ResultPatientResolved { Patient.PatientId: { } patient } e:
                    var resolve = new NpgsqlBatchCommand($"UPDATE {table} SET patient_id = @p, identifier_digest = NULL WHERE document_id = @d");
                    resolve.Parameters.AddWithValue("p", patient.Value);
                    resolve.Parameters.AddWithValue("d", e.DocumentId.Value);
                    batch.Add(resolve);
                    break;
            }
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, digests) is { } purge)
        {
            batch.Add(purge);
        }
    }

    private static readonly string Arrived = EventCatalogue.NamesOf(typeof(LabResultArrived)).Single();
    private static readonly string Corrected = EventCatalogue.NamesOf(typeof(ResultCorrected)).Single();

    private static NpgsqlBatchCommand Delete(string table, Guid documentId)
    {
        var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE document_id = @d");
        delete.Parameters.AddWithValue("d", documentId);
        return delete;
    }

    /// <summary>One statement per document for all its observations.</summary>
    private static NpgsqlBatchCommand Insert(string table, IResultEvent e, LabReport report, int version)
    {
        var observations = report.Panels.SelectMany(p => p.Observations).ToList();
        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} (document_id, seq, patient_id, identifier_digest, organization_id, code_system, code, effective_at, issued_at, version, observation)
            SELECT @d, u.s, @p, @digest, @org, u.cs, u.c, @effective, @issued, @v, u.o::jsonb
            FROM unnest(@s, @cs, @c, @o) AS u(s, cs, c, o)
            ON CONFLICT (document_id, seq) DO NOTHING
            """);
        insert.Parameters.AddWithValue("d", e.DocumentId.Value);
        insert.Parameters.AddWithValue("p", (object?)e.Patient.PatientId?.Value ?? DBNull.Value);
        insert.Parameters.AddWithValue("digest", (object?)e.Patient.IdentifierDigest ?? DBNull.Value);
        insert.Parameters.AddWithValue("org", e.Sender.Value);
        insert.Parameters.AddWithValue("effective", report.CollectedAt.ToDateTimeUtc());
        insert.Parameters.AddWithValue("issued", report.IssuedAt.ToDateTimeUtc());
        insert.Parameters.AddWithValue("v", version);
        insert.Parameters.AddWithValue("s", Enumerable.Range(1, observations.Count).ToArray());
        insert.Parameters.AddWithValue("cs", observations.Select(o => o.Code.System).ToArray());
        insert.Parameters.AddWithValue("c", observations.Select(o => o.Code.Code).ToArray());
        insert.Parameters.Add(new NpgsqlParameter("o", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = observations.Select(o => JsonSerializer.Serialize(o, DomainJson.Options)).ToArray() });
        return insert;
    }
}
