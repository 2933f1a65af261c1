using Ledger.Domain;
using Ledger.App.Patients;
using Ledger.Domain.Access;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.AccessJournal;

/// <summary>
/// <c>access_journal</c>: every <c>RecordAccessed</c> and <c>AccessDenied</c> with actor, document, purpose, consent,
/// channel, source address (split from the purpose, see <see cref="AccessRecorder"/>) and outcome.
/// </summary>
public sealed class AccessJournalProjection : IProjection
{
    public const string Table = "access_journal";

    public string Name => "access_journal";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(typeof(RecordAccessed), typeof(AccessDenied));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                event_id uuid PRIMARY KEY,
                patient_id uuid NOT NULL,
                at timestamptz NOT NULL,
                recorded_at timestamptz NOT NULL,
                stream_version bigint NOT NULL,
                actor_kind text NOT NULL,
                actor_id uuid NOT NULL,
                document_id uuid NULL,
                purpose text NOT NULL,
                consent_id uuid NULL,
                channel text NOT NULL,
                source_address text NULL,
                outcome text NOT NULL,
                reason_code text NULL);
            CREATE INDEX {name}_patient ON {table} (patient_id, recorded_at)
            """) { PatientColumn = "patient_id" },
    ];

    public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        foreach (var recorded in batch.Events.Where(e => !e.IsErased))
        {
            var row = batch.Deserialize(recorded) switch
            {
                RecordAccessed a => JournalRow.Of(a),
                AccessDenied d => JournalRow.Of(d),
                _ => null,
            };
            if (row is null)
            {
                continue;
            }

            patients.Add(row.PatientId);

            var command = new NpgsqlBatchCommand($"""
                INSERT INTO {table} (event_id, patient_id, at, recorded_at, stream_version, actor_kind, actor_id, document_id, purpose, consent_id, channel, source_address, outcome, reason_code)
                VALUES (@e, @p, @at, @rec, @v, @ak, @ai, @d, @pu, @c, @ch, @src, @o, @r) ON CONFLICT (event_id) DO NOTHING
                """);
            command.Parameters.AddWithValue("e", recorded.EventId);
            command.Parameters.AddWithValue("p", row.PatientId);
            command.Parameters.AddWithValue("at", row.At.ToDateTimeUtc());
            command.Parameters.AddWithValue("rec", recorded.RecordedAt.ToDateTimeUtc());
            command.Parameters.AddWithValue("v", recorded.StreamVersion);
            command.Parameters.AddWithValue("ak", row.ActorKind);
            command.Parameters.AddWithValue("ai", row.ActorId);
            command.Parameters.AddWithValue("d", (object?)row.DocumentId ?? DBNull.Value);
            command.Parameters.AddWithValue("pu", row.Purpose);
            command.Parameters.AddWithValue("c", (object?)row.ConsentId ?? DBNull.Value);
            command.Parameters.AddWithValue("ch", row.Channel);
            command.Parameters.AddWithValue("src", (object?)row.SourceAddress ?? DBNull.Value);
            command.Parameters.AddWithValue("o", row.Outcome);
            command.Parameters.AddWithValue("r", (object?)row.ReasonCode ?? DBNull.Value);
            batch.Add(command);
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, []) is { } purge)
        {
            batch.Add(purge);
        }

        return Task.CompletedTask;
    }
}
