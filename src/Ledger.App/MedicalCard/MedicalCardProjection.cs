using Ledger.App.Patients;
using Ledger.Domain;
using Ledger.Domain.MedicalCard;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.MedicalCard;

/// <summary>
/// <c>medical_card_entries</c>: one row per condition or allergy on a patient's medical card, clinic-delivered or
/// patient-reported, with the content of its latest version. An entry recorded in error keeps its row, marked, so
/// that a reader of the history can tell it was withdrawn. Rows hold clinical data: they are purged when the patient is
/// erased, erased events are skipped, and rows of erased patients are removed at the end of every batch.
/// </summary>
public sealed class MedicalCardProjection : IProjection
{
    public const string Table = "medical_card_entries";

    public string Name => "medical_card";

    public IReadOnlySet<string>? EventTypes { get; } = EventCatalogue.NamesOf(
        typeof(ConditionRecorded), typeof(ConditionCorrected), typeof(AllergyRecorded), typeof(AllergyCorrected), typeof(CardEntryEnteredInError));

    public IReadOnlyList<ProjectionTable> Tables { get; } =
    [
        new(Table, """
            CREATE TABLE {table} (
                entry_id uuid PRIMARY KEY,
                patient_id uuid NOT NULL,
                kind text NOT NULL,
                source text NOT NULL,
                organization_id uuid NULL,
                delivery_id text NULL,
                code_system text NULL,
                code text NULL,
                code_display text NULL,
                text text NULL,
                clinical_status text NULL,
                verification_status text NULL,
                category text NULL,
                allergy_type text NULL,
                criticality text NULL,
                onset date NULL,
                onset_text text NULL,
                recorder text NULL,
                asserter text NULL,
                reaction text NULL,
                note text NULL,
                entered_in_error boolean NOT NULL,
                corrections integer NOT NULL,
                recorded_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL);
            CREATE INDEX {name}_patient ON {table} (patient_id, kind, recorded_at)
            """) { PatientColumn = "patient_id" },
    ];

    public Task ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var table = batch.Table(Table);
        var patients = new HashSet<Guid>();
        foreach (var recorded in batch.Events)
        {
            if (recorded.IsErased || batch.Deserialize(recorded) is not IMedicalCardEvent data)
            {
                continue;
            }

            patients.Add(data.Patient.Value);
            var at = recorded.RecordedAt.ToDateTimeUtc();
            var command = new NpgsqlBatchCommand();
            switch (data)
            {
                case ConditionRecorded e:
                    Insert(command, table, e, "condition", e.Source, e.Organization?.Value, e.DeliveryId, at);
                    Condition(command, e.Condition);
                    break;
                case AllergyRecorded e:
                    Insert(command, table, e, "allergy", e.Source, e.Organization?.Value, e.DeliveryId, at);
                    Allergy(command, e.Allergy);
                    break;
                case ConditionCorrected e:
                    Update(command, table, e, e.DeliveryId, at);
                    Condition(command, e.Condition);
                    break;
                case AllergyCorrected e:
                    Update(command, table, e, e.DeliveryId, at);
                    Allergy(command, e.Allergy);
                    break;
                case CardEntryEnteredInError e:
                    command.CommandText = $"UPDATE {table} SET entered_in_error = true, verification_status = @v, updated_at = @at WHERE entry_id = @e";
                    command.Parameters.AddWithValue("e", e.EntryId);
                    command.Parameters.AddWithValue("v", MedicalCardDecider.EnteredInError);
                    command.Parameters.AddWithValue("at", at);
                    break;
                default:
                    continue;
            }

            batch.Add(command);
        }

        if (PatientErasure.PurgeErased(batch.Schema, table, patients, []) is { } purge)
        {
            batch.Add(purge);
        }

        return Task.CompletedTask;
    }

    private const string Columns = "code_system, code, code_display, text, clinical_status, verification_status, category, allergy_type, criticality, onset, onset_text, recorder, asserter, reaction, note";

    private const string Values = "@system, @code, @display, @text, @clinical, @verification, @category, @type, @criticality, @onset, @onsetText, @recorder, @asserter, @reaction, @note";

    private static void Insert(NpgsqlBatchCommand command, string table, IMedicalCardEvent e, string kind, CardEntrySource source, Guid? organization, string? delivery, DateTime at)
    {
        command.CommandText = $"""
            INSERT INTO {table} (entry_id, patient_id, kind, source, organization_id, delivery_id, {Columns}, entered_in_error, corrections, recorded_at, updated_at)
            VALUES (@e, @p, @kind, @source, @org, @delivery, {Values}, false, 0, @at, @at)
            ON CONFLICT (entry_id) DO NOTHING
            """;
        command.Parameters.AddWithValue("e", e.EntryId);
        command.Parameters.AddWithValue("p", e.Patient.Value);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("source", source == CardEntrySource.Clinic ? "clinic" : "patient");
        command.Parameters.AddWithValue("org", (object?)organization ?? DBNull.Value);
        command.Parameters.AddWithValue("delivery", (object?)delivery ?? DBNull.Value);
        command.Parameters.AddWithValue("at", at);
    }

    private static void Update(NpgsqlBatchCommand command, string table, IMedicalCardEvent e, string delivery, DateTime at)
    {
        command.CommandText = $"""
            UPDATE {table} SET ({Columns}) = ({Values}), delivery_id = @delivery, corrections = corrections + 1, updated_at = @at
            WHERE entry_id = @e
            """;
        command.Parameters.AddWithValue("e", e.EntryId);
        command.Parameters.AddWithValue("delivery", delivery);
        command.Parameters.AddWithValue("at", at);
    }

    private static void Condition(NpgsqlBatchCommand command, ConditionDetails d) =>
        Details(command, d.Code, d.Text, d.ClinicalStatus, d.VerificationStatus, d.Category, null, null, d.Onset, d.OnsetText, d.Recorder, d.Asserter, null, d.Note);

    private static void Allergy(NpgsqlBatchCommand command, AllergyDetails d) =>
        Details(command, d.Code, d.Text, d.ClinicalStatus, d.VerificationStatus, d.Category, d.Type, d.Criticality, d.Onset, d.OnsetText, d.Recorder, d.Asserter, d.Reaction, d.Note);

    private static void Details(
        NpgsqlBatchCommand command, CardCode? code, string? text, string? clinical, string? verification, string? category, string? type, string? criticality,
        NodaTime.LocalDate? onset, string? onsetText, string? recorder, string? asserter, string? reaction, string? note)
    {
        void Add(string name, object? value) => command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        Add("system", code?.System);
        Add("code", code?.Code);
        Add("display", code?.Display);
        Add("text", text);
        Add("clinical", clinical);
        Add("verification", verification);
        Add("category", category);
        Add("type", type);
        Add("criticality", criticality);
        Add("onset", onset is { } d ? new DateOnly(d.Year, d.Month, d.Day) : null);
        Add("onsetText", onsetText);
        Add("recorder", recorder);
        Add("asserter", asserter);
        Add("reaction", reaction);
        Add("note", note);
    }
}
