using System.Security.Claims;
using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.MedicalCard;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.MedicalCard;

/// <summary>Why a reported condition was refused: the offending field (as the API names it) and the reason.</summary>
public sealed record ConditionReportRefusal(string Field, string Reason);

/// <summary>
/// A condition the patient reports, as the API endpoint and the cabinet's «Медкарта» form both send it: the one place
/// its rules are checked and its command is run. The entry is stored as patient-reported (recorder and asserter
/// <c>patient</c>, verification <c>unconfirmed</c>), never mixed with what a clinic delivered.
/// </summary>
public sealed class ConditionReports(CommandExecutor executor)
{
    /// <summary>
    /// Checks and stores <paramref name="body"/> for <paramref name="patient"/>. <paramref name="idempotencyKey"/>, when
    /// given, makes a repeated request store once (the same entry id). Answers the refusal, or the stored entry.
    /// </summary>
    public async Task<(ConditionReported? Reported, ConditionReportRefusal? Refusal)> ReportAsync(
        PatientId patient, ClaimsPrincipal caller, ReportConditionRequest body, Guid? idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Check(body) is { } refusal)
        {
            return (null, refusal);
        }

        var status = Blank(body.ClinicalStatus) ?? "active";
        var onset = Blank(body.Onset) is { } text ? LocalDatePattern.Iso.Parse(text).Value : (LocalDate?)null;
        var commandId = idempotencyKey ?? Guid.CreateVersion7();
        var entryId = idempotencyKey is { } k ? StreamIds.Derived("medicalcard-report", k) : Guid.CreateVersion7();
        var code = Blank(body.Code) is { } c ? new CardCode(body.CodeSystem!.Trim(), c, Blank(body.CodeDisplay)) : null;
        var condition = new ConditionDetails(code, Blank(body.Text), status, "unconfirmed", "problem-list-item", onset, null, "patient", "patient", Blank(body.Note));
        var outcome = await executor.ExecuteAsync(
            Deciders.MedicalCard,
            StreamIds.MedicalCard(patient),
            new ReportCondition(patient, entryId, condition),
            new CommandContext(commandId, PatientHttp.Metadata(caller, commandId), patient.Value),
            cancellationToken);
        var created = outcome.Events.Count > 0 && !outcome.AlreadyStored;
        return (new ConditionReported(entryId, created, outcome.Version), null);
    }

    /// <summary>The rules of a reported condition; null when it may be stored.</summary>
    public static ConditionReportRefusal? Check(ReportConditionRequest body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (Blank(body.Text) is null && Blank(body.Code) is null)
        {
            return new("text", "a text or a code is required");
        }

        if (Blank(body.Code) is not null && Blank(body.CodeSystem) is null)
        {
            return new("codeSystem", "a code needs its system, e.g. http://hl7.org/fhir/sid/icd-10 or http://snomed.info/sct");
        }

        if (!ClinicalStatuses.Contains(Blank(body.ClinicalStatus) ?? "active", StringComparer.Ordinal))
        {
            return new("clinicalStatus", "one of " + string.Join(", ", ClinicalStatuses));
        }

        if (Blank(body.Onset) is { } text && !LocalDatePattern.Iso.Parse(text).Success)
        {
            return new("onset", "a date, yyyy-MM-dd");
        }

        return null;
    }

    /// <summary>FHIR's Condition clinical statuses.</summary>
    public static IReadOnlyList<string> ClinicalStatuses { get; } = ["active", "recurrence", "relapse", "inactive", "remission", "resolved"];

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
