using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.MedicalCard;
using Ledger.App.Patients;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Ledger.App.Web.Pages.MedicalCard;

/// <summary>The form of a condition the patient was told about (the API's body, without a code).</summary>
public sealed class ConditionForm
{
    public string? Text { get; set; }

    public string? ClinicalStatus { get; set; } = "active";

    public string? Onset { get; set; }

    public string? Note { get; set; }

    /// <summary>A fresh id per form: a repeated submission of the same form stores the condition once.</summary>
    public Guid RequestId { get; set; }
}

/// <summary>A vaccination as the card lists it, from a vaccination document.</summary>
public sealed record VaccinationRow(Guid DocumentId, LocalDate Date, string Vaccine, string? Series, int DoseNumber, string? Organization);

/// <summary>A doctor's recommendation, from a visit protocol or an instrumental study.</summary>
public sealed record RecommendationRow(Guid DocumentId, Instant At, string Doctor, string Source, string Text);

/// <summary>
/// «Медкарта»: vaccinations (the vaccination documents), chronic conditions and allergies (the medical card: what clinics
/// delivered, apart from what the patient reported), the doctors' recommendations (visit protocols and instrumental
/// studies), and a form to add a condition the patient was told about. The read is recorded in the access journal, as
/// the API's read of the card is.
/// </summary>
public sealed class IndexModel(MedicalCardQueries card, CabinetQueries cabinet, EventStore.EventStore store, ConditionReports reports, AccessRecorder access) : CabinetPageModel
{
    /// <summary>The API's field names, in the form's words.</summary>
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["text"] = "Заболевание",
        ["clinicalStatus"] = "Состояние",
        ["onset"] = "С какого времени",
        ["codeSystem"] = "Код",
    };

    public MedicalCardView? Card { get; private set; }

    public IReadOnlyList<VaccinationRow> Vaccinations { get; private set; } = [];

    public IReadOnlyList<RecommendationRow> Recommendations { get; private set; } = [];

    [BindProperty]
    public ConditionForm Form { get; set; } = new();

    public string? Notice { get; private set; }

    public static IReadOnlyList<string> Statuses => ConditionReports.ClinicalStatuses;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        Form = new ConditionForm { RequestId = Guid.CreateVersion7() };
        Notice = Request.Query["added"].Count > 0 ? "Заболевание добавлено в медкарту с отметкой «со слов пациента»." : null;
        await LoadAsync(me, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostConditionAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        var body = new ReportConditionRequest(Form.Text, null, null, null, Form.ClinicalStatus, Form.Onset, Form.Note);
        var key = Form.RequestId == Guid.Empty ? (Guid?)null : Form.RequestId;
        var (_, refusal) = await reports.ReportAsync(me, User, body, key, cancellationToken);
        if (refusal is not null)
        {
            Error = $"{Fields.GetValueOrDefault(refusal.Field, refusal.Field)}: {Reason(refusal)}";
            ModelState.AddModelError("Form." + char.ToUpperInvariant(refusal.Field[0]) + refusal.Field[1..], Error);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync(me, cancellationToken);
            return Page();
        }

        return Redirect("/medical-card?added=1");
    }

    /// <summary>The status in words.</summary>
    public static string Status(string? status) => status switch
    {
        "active" => "есть сейчас",
        "recurrence" => "возобновилось",
        "relapse" => "обострение",
        "inactive" => "неактивно",
        "remission" => "ремиссия",
        "resolved" => "излечено",
        null => "—",
        _ => status,
    };

    public static string Criticality(string? criticality) => criticality switch
    {
        "high" => "высокая",
        "low" => "низкая",
        "unable-to-assess" => "не оценена",
        _ => "—",
    };

    public static string Name(MedicalCardEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.Text ?? entry.CodeDisplay ?? entry.Code ?? "—";
    }

    private static string Reason(ConditionReportRefusal refusal) => refusal.Field switch
    {
        "text" => "укажите, какое заболевание вам назвал врач",
        "clinicalStatus" => "выберите состояние из списка",
        "onset" => "дата в виде ГГГГ-ММ-ДД",
        _ => refusal.Reason,
    };

    private async Task LoadAsync(PatientId me, CancellationToken cancellationToken)
    {
        // Recorded before anything is shown: a read that cannot be recorded shows nothing.
        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(User), null, "view medical card", null, AccessChannel.Web, PatientHttp.SourceAddress(HttpContext)), cancellationToken: cancellationToken);
        Card = await card.GetAsync(me.Value, cancellationToken: cancellationToken);
        var vaccinations = new List<VaccinationRow>();
        var recommendations = new List<RecommendationRow>();
        foreach (var type in new[] { "vaccination", "visitProtocol", "instrumentalStudy" })
        {
            var page = await cabinet.ListAsync(me.Value, new CabinetFilter(Type: type, PageSize: CabinetFilter.MaxPageSize), null, null, cancellationToken);
            foreach (var summary in page.Items)
            {
                if (await DocumentReader.LoadAsync(store, summary.DocumentId, me, cancellationToken) is not { State.Current: { } content })
                {
                    continue;
                }

                switch (content)
                {
                    case Vaccination v:
                        vaccinations.Add(new VaccinationRow(summary.DocumentId, v.Date, v.Vaccine, v.Series, v.DoseNumber, summary.OrganizationName));
                        break;
                    case VisitProtocol { Recommendations: { Length: > 0 } text } p:
                        recommendations.Add(new RecommendationRow(summary.DocumentId, p.VisitedAt, p.Doctor + ", " + p.Specialty, "протокол приёма", text));
                        break;
                    case InstrumentalStudy { Recommendation: { Length: > 0 } text } s:
                        recommendations.Add(new RecommendationRow(summary.DocumentId, s.PerformedAt, s.Specialist, "заключение исследования", text));
                        break;
                }
            }
        }

        Vaccinations = [.. vaccinations.OrderByDescending(v => v.Date)];
        Recommendations = [.. recommendations.OrderByDescending(r => r.At)];
    }
}
