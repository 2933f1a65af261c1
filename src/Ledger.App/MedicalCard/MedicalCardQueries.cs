using Ledger.App.Hosting;
using Ledger.App.Organizations;
using NodaTime;
using Npgsql;

namespace Ledger.App.MedicalCard;

/// <summary>
/// One entry of a patient's medical card. <see cref="Kind"/> is <c>condition</c> or <c>allergy</c>; <see cref="Source"/>
/// is <c>clinic</c> (delivered by <see cref="OrganizationId"/>, as FHIR Condition or AllergyIntolerance) or
/// <c>patient</c> (reported by the patient, no organisation). The code is as delivered (<see cref="CodeSystem"/> such as
/// <c>http://snomed.info/sct</c> or <c>http://hl7.org/fhir/sid/icd-10</c>); statuses are FHIR codes
/// (<c>clinicalStatus</c>: <c>active</c>, <c>resolved</c>…; <c>verificationStatus</c>: <c>confirmed</c>…,
/// <c>entered-in-error</c> once withdrawn). <see cref="AllergyType"/>, <see cref="Criticality"/> and
/// <see cref="Reaction"/> are set for allergies only. <see cref="Corrections"/> counts the clinic's later deliveries
/// that replaced the content.
/// </summary>
public sealed record MedicalCardEntry(
    Guid EntryId,
    string Kind,
    string Source,
    Guid? OrganizationId,
    string? OrganizationName,
    string? CodeSystem,
    string? Code,
    string? CodeDisplay,
    string? Text,
    string? ClinicalStatus,
    string? VerificationStatus,
    string? Category,
    string? AllergyType,
    string? Criticality,
    LocalDate? Onset,
    string? OnsetText,
    string? Recorder,
    string? Asserter,
    string? Reaction,
    string? Note,
    bool EnteredInError,
    int Corrections,
    Instant RecordedAt,
    Instant UpdatedAt);

/// <summary>A patient's medical card: conditions and allergies, each in the order they were recorded.</summary>
public sealed record MedicalCardView(Guid PatientId, IReadOnlyList<MedicalCardEntry> Conditions, IReadOnlyList<MedicalCardEntry> Allergies);

/// <summary>
/// Reads the medical card read model (<see cref="MedicalCardProjection"/>, eventually consistent with the card's
/// stream). Public for other readers of the card (the FHIR read API's Condition and AllergyIntolerance): they get the
/// same rows, clinic-delivered and patient-reported told apart by <see cref="MedicalCardEntry.Source"/>. The caller
/// records the access; this class only reads.
/// </summary>
public sealed class MedicalCardQueries(NpgsqlDataSource dataSource, LedgerRuntime runtime)
{
    /// <summary>
    /// The card of <paramref name="patientId"/>; entries recorded in error are left out unless
    /// <paramref name="includeEnteredInError"/>.
    /// </summary>
    public async Task<MedicalCardView> GetAsync(Guid patientId, bool includeEnteredInError = false, CancellationToken cancellationToken = default)
    {
        var entries = await ListAsync(patientId, null, includeEnteredInError, cancellationToken);
        return new MedicalCardView(patientId, entries.Where(e => e.Kind == "condition").ToList(), entries.Where(e => e.Kind == "allergy").ToList());
    }

    /// <summary>One entry of <paramref name="patientId"/>'s card (also one recorded in error), or null.</summary>
    public async Task<MedicalCardEntry?> FindAsync(Guid patientId, Guid entryId, CancellationToken cancellationToken = default) =>
        (await ListAsync(patientId, entryId, includeEnteredInError: true, cancellationToken)).SingleOrDefault();

    /// <summary>
    /// The entries of <paramref name="patientId"/> (one when <paramref name="entryId"/> is given), oldest first, with the
    /// delivering organisation's name from the directory.
    /// </summary>
    public async Task<IReadOnlyList<MedicalCardEntry>> ListAsync(Guid patientId, Guid? entryId, bool includeEnteredInError, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT e.entry_id, e.kind, e.source, e.organization_id, o.name, e.code_system, e.code, e.code_display, e.text, e.clinical_status,
                   e.verification_status, e.category, e.allergy_type, e.criticality, e.onset, e.onset_text, e.recorder, e.asserter, e.reaction, e.note,
                   e.entered_in_error, e.corrections, e.recorded_at, e.updated_at
            FROM {runtime.Schema}.{MedicalCardProjection.Table} e
            LEFT JOIN {runtime.Schema}.{OrganizationDirectory.Table} o ON o.org_id = e.organization_id
            WHERE e.patient_id = @p AND (@entry::uuid IS NULL OR e.entry_id = @entry) AND (@all OR NOT e.entered_in_error)
            ORDER BY e.recorded_at, e.entry_id
            """);
        command.Parameters.AddWithValue("p", patientId);
        command.Parameters.Add(new NpgsqlParameter("entry", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)entryId ?? DBNull.Value });
        command.Parameters.AddWithValue("all", includeEnteredInError);
        var list = new List<MedicalCardEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            list.Add(new MedicalCardEntry(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetGuid(3), Text(4),
                Text(5), Text(6), Text(7), Text(8), Text(9), Text(10), Text(11), Text(12), Text(13),
                reader.IsDBNull(14) ? null : LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(14)), Text(15), Text(16), Text(17), Text(18), Text(19),
                reader.GetBoolean(20), reader.GetInt32(21),
                Instant.FromDateTimeUtc(reader.GetDateTime(22)), Instant.FromDateTimeUtc(reader.GetDateTime(23))));
        }

        return list;
    }
}
