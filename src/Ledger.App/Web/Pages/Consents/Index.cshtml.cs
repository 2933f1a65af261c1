using Ledger.App.Consents;
using Ledger.App.Http;
using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Consents;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using NodaTime.Text;

namespace Ledger.App.Web.Pages.Consents;

/// <summary>The grant form a consent page posts (the API's grant body, with the end as a date).</summary>
public sealed class GrantForm
{
    public string? DoctorSurname { get; set; }

    public string? DoctorGivenName { get; set; }

    public string? DoctorPatronymic { get; set; }

    public string? DoctorSnils { get; set; }

    public string? Scope { get; set; }

    public List<string> DocumentTypes { get; set; } = [];

    public string? Purpose { get; set; }

    /// <summary>The last day the consent holds (Moscow time, to the end of the day).</summary>
    public string? ValidUntil { get; set; }

    /// <summary>A fresh id per form: a repeated submission of the same form grants once.</summary>
    public Guid RequestId { get; set; }
}

/// <summary>
/// The patient's consents: the list with their status now, a grant form (the share link is shown once, as an absolute
/// URL from the configured public base address) and a revoke form per active consent.
/// </summary>
public sealed class IndexModel(ConsentsProjection consents, EventStore.EventStore store, CommandExecutor executor, HttpSettings settings, IClock clock) : CabinetPageModel
{
    private static readonly Dictionary<string, string> Fields = new(StringComparer.Ordinal)
    {
        ["doctorSurname"] = "фамилия врача",
        ["doctorGivenName"] = "имя врача",
        ["doctorPatronymic"] = "отчество врача",
        ["doctorSnils"] = "СНИЛС врача",
        ["documentTypes"] = "типы документов",
        ["scope"] = "что открыть",
        ["validUntil"] = "срок",
        ["purpose"] = "цель",
    };

    public IReadOnlyList<ConsentView> Consents { get; private set; } = [];

    [BindProperty]
    public GrantForm Form { get; set; } = new();

    public string? ShareUrl { get; private set; }

    public string? Notice { get; private set; }

    public IReadOnlyList<string> Types => Http.CamelCaseEnumConverterFactory.Names(typeof(DocumentType));

    public string DefaultUntil => Labels.IsoDate(clock.GetCurrentInstant() + Duration.FromDays(7));

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        Form = new GrantForm { RequestId = Guid.CreateVersion7(), Scope = "all", ValidUntil = DefaultUntil };
        Notice = Request.Query["revoked"].Count > 0 ? "Согласие отозвано: ссылка больше не открывается." : null;
        Consents = await ConsentRequests.ViewsAsync(me, consents, store, clock.GetCurrentInstant(), cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostGrantAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        string? until = null;
        if (!string.IsNullOrWhiteSpace(Form.ValidUntil))
        {
            var date = LocalDatePattern.Iso.Parse(Form.ValidUntil.Trim());
            if (!date.Success)
            {
                return await FailAsync(me, "Срок: укажите дату, до которой действует согласие.", cancellationToken);
            }

            until = InstantPattern.ExtendedIso.Format(date.Value.PlusDays(1).AtStartOfDayInZone(Labels.Zone).ToInstant());
        }

        var types = new List<DocumentType>();
        foreach (var type in Form.DocumentTypes)
        {
            if (!Enum.TryParse<DocumentType>(type, ignoreCase: true, out var parsed))
            {
                return await FailAsync(me, $"Неизвестный тип документа «{type}».", cancellationToken);
            }

            types.Add(parsed);
        }

        var body = new GrantConsentRequest(Form.DoctorSurname, Form.DoctorGivenName, Form.DoctorPatronymic, Form.DoctorSnils, null, Form.Scope, types, null, Form.Purpose, null, until);
        var (grant, field, reason) = ConsentRequests.Read(body);
        if (grant is null)
        {
            return await FailAsync(me, $"Проверьте поле «{Fields.GetValueOrDefault(field!, field!)}»: {reason}.", cancellationToken);
        }

        var key = Form.RequestId == Guid.Empty ? (Guid?)null : Form.RequestId;
        try
        {
            var issued = await ConsentRequests.GrantAsync(me, grant, key, PatientHttp.Metadata(User, Guid.Empty), executor, store, cancellationToken);
            ShareUrl = issued.Token is { } token ? ConsentRequests.ShareUrl(settings.BaseAddress(Request), token) : null;
            Notice = issued.Token is null
                ? "Это согласие уже выдано. Ссылка показывается только один раз; при необходимости отзовите согласие и выдайте новое."
                : $"Согласие выдано до {Labels.DateTime(issued.ValidUntil)}. Передайте врачу ссылку — она показывается только сейчас.";
        }
        catch (DomainRejection rejection)
        {
            return await FailAsync(me, "Согласие не выдано: " + rejection.Message, cancellationToken);
        }

        Form = new GrantForm { RequestId = Guid.CreateVersion7(), Scope = "all", ValidUntil = DefaultUntil };
        Consents = await ConsentRequests.ViewsAsync(me, consents, store, clock.GetCurrentInstant(), cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid consentId, long version, CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        if (await consents.FindAsync(consentId, cancellationToken) is not { } row || row.PatientId != me.Value)
        {
            return NotFound();
        }

        var commandId = Guid.CreateVersion7();
        try
        {
            await executor.ExecuteAsync(
                Deciders.Consent,
                consentId,
                new RevokeConsent(new ConsentId(consentId), "отозвано в кабинете"),
                new CommandContext(commandId, PatientHttp.Metadata(User, commandId), me.Value, version >= 1 ? ExpectedVersion.Exactly(version) : null),
                cancellationToken);
        }
        catch (WrongExpectedVersionException)
        {
            return await FailAsync(me, "Согласие изменилось, пока открыта страница; посмотрите список ещё раз.", cancellationToken);
        }
        catch (DomainRejection rejection)
        {
            return await FailAsync(me, "Согласие не отозвано: " + rejection.Message, cancellationToken);
        }

        return Redirect("/consents?revoked=1");
    }

    private async Task<IActionResult> FailAsync(PatientId me, string message, CancellationToken cancellationToken)
    {
        Consents = await ConsentRequests.ViewsAsync(me, consents, store, clock.GetCurrentInstant(), cancellationToken);
        return BadRequestPage(message);
    }
}
