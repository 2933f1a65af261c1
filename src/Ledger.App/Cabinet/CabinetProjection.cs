using Ledger.Domain;
using Ledger.App.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.Cabinet;

/// <summary>
/// <c>cabinet_documents</c>: one row per delivered document, what the cabinet lists and searches. A document delivered
/// for an identifier digest (no cabinet yet) is kept with <c>patient_id</c> NULL and appears once
/// <c>results.patient_resolved.v1</c> names the patient. Rows hold personal and clinical data: they are purged when the
/// patient is erased, erased events are skipped, and rows of erased patients are removed at the end of every batch.
/// </summary>
public sealed class CabinetProjection : IProjection
{
    public const string Table = "cabinet_documents";

    public string Name => "cabinet";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(LabResultArrived), typeof(InstrumentalStudyArrived), typeof(VisitProtocolRecorded), typeof(VaccinationRecorded), typeof(ResultCorrected), typeof(ResultStatusChanged), typeof(ResultPatientResolved));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                document_id uuid PRIMARY KEY,
                patient_id uuid NULL,
                identifier_digest text NULL,
                document_type text NOT NULL,
                kind text NOT NULL,
                modality text NULL,
                event_at timestamptz NOT NULL,
                issued_at timestamptz NULL,
                organization_id uuid NOT NULL,
                status text NOT NULL,
                title text NOT NULL,
                order_number text NULL,
                document_number text NULL,
                specialist text NULL,
                test_names text NOT NULL,
                out_of_range integer NOT NULL,
                corrections integer NOT NULL,
                arrived_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL);
            CREATE INDEX {name}_patient ON {table} (patient_id, event_at DESC);
            CREATE INDEX {name}_digest ON {table} (identifier_digest)
            """) { PatientColumn = "patient_id", DigestColumn = "identifier_digest" },
    ];

    public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var recorded in batch.Events)
        {
            if (recorded.IsErased)
            {
                continue;
            }

            var at = recorded.RecordedAt.ToDateTimeUtc();
            var data = batch.Deserialize(recorded);
            Touch(data, patients, digests);
            var command = new NpgsqlBatchCommand();
            switch (data)
            {
                case LabResultArrived e: Insert(command, table, e, e.Report, at); break;
                case InstrumentalStudyArrived e: Insert(command, table, e, e.Study, at); break;
                case VisitProtocolRecorded e: Insert(command, table, e, e.Protocol, at); break;
                case VaccinationRecorded e: Insert(command, table, e, e.Vaccination, at); break;
                case ResultCorrected e:
                    var c = CabinetContent.Of(e.Content);
                    command.CommandText = $"""
                        UPDATE {table} SET kind = @kind, modality = @modality, event_at = @event, issued_at = @issued, title = @title,
                            order_number = @order, document_number = @number, specialist = @specialist, test_names = @tests,
                            out_of_range = @out, corrections = corrections + 1, updated_at = @at
                        WHERE document_id = @d
                        """;
                    command.Parameters.AddWithValue("d", e.DocumentId.Value);
                    Content(command, c, at);
                    break;
                case ResultStatusChanged e:
                    command.CommandText = $"UPDATE {table} SET status = @s, updated_at = @at WHERE document_id = @d";
                    command.Parameters.AddWithValue("d", e.DocumentId.Value);
                    command.Parameters.AddWithValue("s", e.To.ToString().ToLowerInvariant());
                    command.Parameters.AddWithValue("at", at);
                    break;
                case ResultPatientResolved e when e.Patient.PatientId is { } patient:
                    command.CommandText = $"UPDATE {table} SET patient_id = @p, identifier_digest = NULL, updated_at = @at WHERE document_id = @d";
                    command.Parameters.AddWithValue("d", e.DocumentId.Value);
                    command.Parameters.AddWithValue("p", patient.Value);
                    command.Parameters.AddWithValue("at", at);
                    break;
                default:
                    continue;
            }

            batch.Add(command);
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, digests) is { } purge)
        {
            batch.Add(purge);
        }

        return Task.CompletedTask;
    }

    /// <summary>Notes the patient (or identifier digest) a result event is about.</summary>
    internal static void Touch(object data, HashSet<Guid> patients, HashSet<string> digests)
    {
        if (data is IResultEvent e)
        {
            if (e.Patient.PatientId is { } patient)
            {
                patients.Add(patient.Value);
            }

            if (e.Patient.IdentifierDigest is { } digest)
            {
                digests.Add(digest);
            }
        }

        if (data is ResultPatientResolved resolved)
        {
            digests.Add(resolved.IdentifierDigest);
        }
    }

    private static void Insert(NpgsqlBatchCommand command, string table, IResultEvent e, ResultContent content, DateTime at)
    {
        var c = CabinetContent.Of(content);
        command.CommandText = $"""
            INSERT INTO {table} (document_id, patient_id, identifier_digest, document_type, kind, modality, event_at, issued_at, organization_id,
                status, title, order_number, document_number, specialist, test_names, out_of_range, corrections, arrived_at, updated_at)
            VALUES (@d, @p, @digest, @type, @kind, @modality, @event, @issued, @org, 'pending', @title, @order, @number, @specialist, @tests, @out, 0, @at, @at)
            ON CONFLICT (document_id) DO NOTHING
            """;
        command.Parameters.AddWithValue("d", e.DocumentId.Value);
        command.Parameters.AddWithValue("p", (object?)e.Patient.PatientId?.Value ?? DBNull.Value);
        command.Parameters.AddWithValue("digest", (object?)e.Patient.IdentifierDigest ?? DBNull.Value);
        command.Parameters.AddWithValue("type", c.DocumentType);
        command.Parameters.AddWithValue("org", e.Sender.Value);
        Content(command, c, at);
    }

    private static void Content(NpgsqlBatchCommand command, CabinetContent c, DateTime at)
    {
        command.Parameters.AddWithValue("kind", c.Kind);
        command.Parameters.AddWithValue("modality", (object?)c.Modality ?? DBNull.Value);
        command.Parameters.AddWithValue("event", c.EventAt.ToDateTimeUtc());
        command.Parameters.AddWithValue("issued", (object?)c.IssuedAt?.ToDateTimeUtc() ?? DBNull.Value);
        command.Parameters.AddWithValue("title", c.Title);
        command.Parameters.AddWithValue("order", (object?)c.OrderNumber ?? DBNull.Value);
        command.Parameters.AddWithValue("number", (object?)c.DocumentNumber ?? DBNull.Value);
        command.Parameters.AddWithValue("specialist", (object?)c.Specialist ?? DBNull.Value);
        command.Parameters.AddWithValue("tests", c.TestNames);
        command.Parameters.AddWithValue("out", c.OutOfRange);
        command.Parameters.AddWithValue("at", at);
    }
}
