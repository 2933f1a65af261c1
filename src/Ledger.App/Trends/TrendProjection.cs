using Ledger.Domain;
using Ledger.App.Cabinet;
using Ledger.App.Patients;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.Trends;

/// <summary>
/// <c>trend_points</c>: every numeric LOINC-coded lab value, per patient, code and unit (a unit change starts a new series),
/// with its flag, reference range, document and collection time. A correction replaces the document's points.
/// Only patients with a cabinet have trends: a result that arrives for an identifier nobody has registered yet gets
/// its points when it is matched to the patient (<see cref="ResultPatientResolved"/>), from the document's latest
/// content, read back from its stream.
/// </summary>
public sealed class TrendProjection : IProjection
{
    public const string Table = "trend_points";

    public string Name => "trends";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(LabResultArrived), typeof(ResultCorrected), typeof(ResultPatientResolved));

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
            """) { PatientColumn = "patient_id", DigestColumn = "identifier_digest" },
    ];

    public async Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        var digests = new HashSet<string>(StringComparer.Ordinal);

        // The writes of the batch go to the server together, in event order.
        var pending = new List<NpgsqlBatchCommand>();
        foreach (var recorded in batch.Events.Where(e => !e.IsErased))
        {
            var data = batch.Deserialize(recorded);
            CabinetProjection.Touch(data, patients, digests);
            switch (data)
            {
                case LabResultArrived { Patient.PatientId: { } patient } e:
                    AddPoints(pending, table, e.DocumentId.Value, patient.Value, e.Report);
                    break;
                case ResultCorrected { Content: LabReport report } e:
                    // A correction replaces the document's points. It carries the patient the document has by then,
                    // so one not yet matched keeps none (points an earlier version wrote under the identifier digest
                    // go too) and gets them when it is matched.
                    Delete(pending, table, e.DocumentId.Value);
                    if (e.Patient.PatientId is { } matched)
                    {
                        AddPoints(pending, table, e.DocumentId.Value, matched.Value, report);
                    }

                    break;
                case ResultPatientResolved { Patient.PatientId: { } patient } e:
                    Delete(pending, table, e.DocumentId.Value);
                    if (await LatestReportAsync(batch, recorded, cancellationToken) is { } latest)
                    {
                        AddPoints(pending, table, e.DocumentId.Value, patient.Value, latest);
                    }

                    break;
            }
        }

        foreach (var command in pending)
        {
            batch.Add(command);
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, digests) is { } purge)
        {
            batch.Add(purge);
        }
    }

    private static void Delete(List<NpgsqlBatchCommand> pending, string table, Guid documentId)
    {
        var delete = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE document_id = @d");
        delete.Parameters.AddWithValue("d", documentId);
        pending.Add(delete);
    }

    /// <summary>The lab report a document held just before <paramref name="resolved"/>: its arrival or latest correction.</summary>
    private static async Task<LabReport?> LatestReportAsync(ProjectionBatch batch, RecordedEvent resolved, CancellationToken cancellationToken)
    {
        LabReport? latest = null;
        foreach (var earlier in await batch.ReadStreamBeforeAsync(resolved, cancellationToken))
        {
            if (earlier.IsErased)
            {
                return null;
            }

            latest = batch.Deserialize(earlier) switch
            {
                LabResultArrived arrived => arrived.Report,
                ResultCorrected { Content: LabReport corrected } => corrected,
                _ => latest,
            };
        }

        return latest;
    }

    /// <summary>One statement per document for all its numeric LOINC-coded values.</summary>
    private static void AddPoints(List<NpgsqlBatchCommand> pending, string table, Guid documentId, Guid patient, LabReport report)
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
            SELECT @d, u.s, @p, NULL, u.l, u.u, u.n, u.v, u.f, u.lo, u.hi, u.rt, @at
            FROM unnest(@s, @l, @u, @n, @v, @f, @lo, @hi, @rt) AS u(s, l, u, n, v, f, lo, hi, rt)
            """);
        insert.Parameters.AddWithValue("d", documentId);
        insert.Parameters.AddWithValue("p", patient);
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
        pending.Add(insert);
    }
}
