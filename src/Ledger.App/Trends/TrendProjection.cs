using Ledger.App.Cabinet;
using Ledger.App.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.Trends;

/// <summary>
/// <c>trend_points</c>: every numeric LOINC-coded lab value, per patient, code and unit (a unit change starts a new series),
/// with its flag, reference range, document and collection time. A correction replaces the document's points.
/// </summary>
public sealed class TrendProjection : IProjection
{
    public const string Table = "trend_points";

    public string Name => "trends";

    public IReadOnlySet<string>? EventTypes { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "results.lab_result_arrived.v1", "results.corrected.v1", "results.patient_resolved.v1",
    };

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                document_id uuid NOT NULL,
                seq integer NOT NULL,
                patient_id uuid NULL,
                identifier_digest text NULL,
                loinc text NOT NULL,
                unit text NOT NULL,
                name text NOT NULL,
                value numeric NOT NULL,
                flag text NULL,
                ref_low numeric NULL,
                ref_high numeric NULL,
                ref_text text NULL,
                observed_at timestamptz NOT NULL,
                PRIMARY KEY (document_id, seq));
            CREATE INDEX {name}_series ON {table} (patient_id, loinc, observed_at);
            CREATE INDEX {name}_digest ON {table} (identifier_digest)
            """),
    ];

    public async Task ApplyAsync(ProjectionBatch batch, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(transaction);
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
                    await WriteAsync(transaction, table, e.DocumentId.Value, e.Patient, e.Report, replace: false, cancellationToken);
                    break;
                case ResultCorrected { Content: LabReport report } e:
                    await WriteAsync(transaction, table, e.DocumentId.Value, e.Patient, report, replace: true, cancellationToken);
                    break;
                case ResultPatientResolved { Patient.PatientId: { } patient } e:
                    await using (var command = new NpgsqlCommand($"UPDATE {table} SET patient_id = @p, identifier_digest = NULL WHERE document_id = @d", transaction.Connection, transaction))
                    {
                        command.Parameters.AddWithValue("p", patient.Value);
                        command.Parameters.AddWithValue("d", e.DocumentId.Value);
                        await command.ExecuteNonQueryAsync(cancellationToken);
                    }

                    break;
            }
        }

        await PatientErasure.PurgeErasedAsync(transaction, batch.Schema, table, patients, digests, cancellationToken);
    }

    private static async Task WriteAsync(NpgsqlTransaction transaction, string table, Guid documentId, PatientRef patientRef, LabReport report, bool replace, CancellationToken cancellationToken)
    {
        Guid? patient = patientRef.PatientId?.Value;
        var digest = patientRef.IdentifierDigest;
        if (replace)
        {
            // A correction keeps the patient the document was resolved to.
            await using var current = new NpgsqlCommand($"SELECT patient_id, identifier_digest FROM {table} WHERE document_id = @d LIMIT 1", transaction.Connection, transaction);
            current.Parameters.AddWithValue("d", documentId);
            await using (var reader = await current.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    patient = reader.IsDBNull(0) ? patient : reader.GetGuid(0);
                    digest = reader.IsDBNull(0) ? digest : null;
                }
            }

            await using var delete = new NpgsqlCommand($"DELETE FROM {table} WHERE document_id = @d", transaction.Connection, transaction);
            delete.Parameters.AddWithValue("d", documentId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        var seq = 0;
        foreach (var o in report.Panels.SelectMany(p => p.Observations))
        {
            seq++;
            if (o.Code.System != ObservationCode.LoincSystem || o.Value is not { } value || o.Unit is not { } unit
                || o.Status is ObservationStatus.Cancelled or ObservationStatus.EnteredInError)
            {
                continue;
            }

            await using var insert = new NpgsqlCommand($"""
                INSERT INTO {table} (document_id, seq, patient_id, identifier_digest, loinc, unit, name, value, flag, ref_low, ref_high, ref_text, observed_at)
                VALUES (@d, @s, @p, @g, @l, @u, @n, @v, @f, @lo, @hi, @rt, @at) ON CONFLICT DO NOTHING
                """, transaction.Connection, transaction);
            insert.Parameters.AddWithValue("d", documentId);
            insert.Parameters.AddWithValue("s", seq);
            insert.Parameters.AddWithValue("p", (object?)patient ?? DBNull.Value);
            insert.Parameters.AddWithValue("g", (object?)digest ?? DBNull.Value);
            insert.Parameters.AddWithValue("l", o.Code.Code);
            insert.Parameters.AddWithValue("u", unit.ToString());
            insert.Parameters.AddWithValue("n", o.Name);
            insert.Parameters.AddWithValue("v", value);
            insert.Parameters.AddWithValue("f", (object?)o.Flag?.Code ?? DBNull.Value);
            insert.Parameters.AddWithValue("lo", (object?)o.ReferenceRange?.Low ?? DBNull.Value);
            insert.Parameters.AddWithValue("hi", (object?)o.ReferenceRange?.High ?? DBNull.Value);
            insert.Parameters.AddWithValue("rt", (object?)o.ReferenceRange?.Text ?? DBNull.Value);
            insert.Parameters.AddWithValue("at", report.CollectedAt.ToDateTimeUtc());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
