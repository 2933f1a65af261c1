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
            CREATE INDEX {name}_series ON {table} (patient_id, loinc, observed_at) WHERE patient_id IS NOT NULL;
            CREATE INDEX {name}_digest ON {table} (identifier_digest) WHERE identifier_digest IS NOT NULL
            """),
    ];

    public async Task ApplyAsync(ProjectionBatch batch, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(transaction);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        var digests = new HashSet<string>(StringComparer.Ordinal);

        // The writes of the batch go to the server together, in event order; a correction, which reads first,
        // sends what is queued before it.
        await using var pending = new NpgsqlBatch(transaction.Connection, transaction);
        foreach (var recorded in batch.Events.Where(e => !e.IsErased))
        {
            var data = batch.Deserialize(recorded);
            CabinetProjection.Touch(data, patients, digests);
            switch (data)
            {
                case LabResultArrived e:
                    AddPoints(pending, table, e.DocumentId.Value, e.Patient.PatientId?.Value, e.Patient.IdentifierDigest, e.Report);
                    break;
                case ResultCorrected { Content: LabReport report } e:
                    await FlushAsync(pending, cancellationToken);
                    await ReplaceAsync(transaction, pending, table, e.DocumentId.Value, e.Patient, report, cancellationToken);
                    break;
                case ResultPatientResolved { Patient.PatientId: { } patient } e:
                    var update = new NpgsqlBatchCommand($"UPDATE {table} SET patient_id = @p, identifier_digest = NULL WHERE document_id = @d");
                    update.Parameters.AddWithValue("p", patient.Value);
                    update.Parameters.AddWithValue("d", e.DocumentId.Value);
                    pending.BatchCommands.Add(update);
                    break;
            }
        }

        await FlushAsync(pending, cancellationToken);
        await PatientErasure.PurgeErasedAsync(transaction, batch.Schema, table, patients, digests, cancellationToken);
    }

    private static async Task FlushAsync(NpgsqlBatch pending, CancellationToken cancellationToken)
    {
        if (pending.BatchCommands.Count > 0)
        {
            await pending.ExecuteNonQueryAsync(cancellationToken);
            pending.BatchCommands.Clear();
        }
    }

    /// <summary>A correction replaces the document's points and keeps the patient the document was resolved to.</summary>
    private static async Task ReplaceAsync(NpgsqlTransaction transaction, NpgsqlBatch pending, string table, Guid documentId, PatientRef patientRef, LabReport report, CancellationToken cancellationToken)
    {
        Guid? patient = patientRef.PatientId?.Value;
        var digest = patientRef.IdentifierDigest;
        await using (var current = new NpgsqlCommand($"SELECT patient_id, identifier_digest FROM {table} WHERE document_id = @d LIMIT 1", transaction.Connection, transaction))
        {
            current.Parameters.AddWithValue("d", documentId);
            await using var reader = await current.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
            {
                patient = reader.IsDBNull(0) ? patient : reader.GetGuid(0);
                digest = reader.IsDBNull(0) ? digest : null;
            }
        }

        var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE document_id = @d");
        delete.Parameters.AddWithValue("d", documentId);
        pending.BatchCommands.Add(delete);
        AddPoints(pending, table, documentId, patient, digest, report);
    }

    /// <summary>One statement per document for all its numeric LOINC-coded values.</summary>
    private static void AddPoints(NpgsqlBatch pending, string table, Guid documentId, Guid? patient, string? digest, LabReport report)
    {
        var seq = new List<int>();
        var loinc = new List<string>();
        var units = new List<string>();
        var names = new List<string>();
        var values = new List<decimal>();
        var flags = new List<string?>();
        var lows = new List<decimal?>();
        var highs = new List<decimal?>();
        var texts = new List<string?>();
        var position = 0;
        foreach (var o in report.Panels.SelectMany(p => p.Observations))
        {
            position++;
            if (o.Code.System != ObservationCode.LoincSystem || o.Value is not { } value || o.Unit is not { } unit
                || o.Status is ObservationStatus.Cancelled or ObservationStatus.EnteredInError)
            {
                continue;
            }

            seq.Add(position);
            loinc.Add(o.Code.Code);
            units.Add(unit.ToString());
            names.Add(o.Name);
            values.Add(value);
            flags.Add(o.Flag?.Code);
            lows.Add(o.ReferenceRange?.Low);
            highs.Add(o.ReferenceRange?.High);
            texts.Add(o.ReferenceRange?.Text);
        }

        if (seq.Count == 0)
        {
            return;
        }

        var insert = new NpgsqlBatchCommand($"""
            INSERT INTO {table} (document_id, seq, patient_id, identifier_digest, loinc, unit, name, value, flag, ref_low, ref_high, ref_text, observed_at)
            SELECT @d, u.s, @p, @g, u.l, u.u, u.n, u.v, u.f, u.lo, u.hi, u.rt, @at
            FROM unnest(@s, @l, @u, @n, @v, @f, @lo, @hi, @rt) AS u(s, l, u, n, v, f, lo, hi, rt)
            """);
        insert.Parameters.AddWithValue("d", documentId);
        insert.Parameters.Add(new NpgsqlParameter("p", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)patient ?? DBNull.Value });
        insert.Parameters.Add(new NpgsqlParameter("g", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)digest ?? DBNull.Value });
        insert.Parameters.AddWithValue("s", seq.ToArray());
        insert.Parameters.AddWithValue("l", loinc.ToArray());
        insert.Parameters.AddWithValue("u", units.ToArray());
        insert.Parameters.AddWithValue("n", names.ToArray());
        insert.Parameters.AddWithValue("v", values.ToArray());
        insert.Parameters.Add(new NpgsqlParameter("f", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = flags.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("lo", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Numeric) { Value = lows.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("hi", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Numeric) { Value = highs.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("rt", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = texts.ToArray() });
        insert.Parameters.AddWithValue("at", report.CollectedAt.ToDateTimeUtc());
        pending.BatchCommands.Add(insert);
    }
}
