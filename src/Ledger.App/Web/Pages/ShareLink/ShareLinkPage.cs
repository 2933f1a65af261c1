using Ledger.App.Consents;
using Ledger.App.Patients;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.App.Web.Pages.ShareLink;

/// <summary>
/// A doctor's share page: reached only through a share link's address when the browser asks for HTML
/// (<see cref="SharedNegotiation"/>), never at its own path. It shows what the consent allows and until when, and says in
/// words when the consent has expired, was revoked or has not begun.
/// </summary>
public abstract class ShareLinkPage : PageModel
{
    public ConsentRow? Consent { get; protected set; }

    public string? Refusal { get; protected set; }

    /// <summary>The token the link carries, when the request came through the link's address.</summary>
    protected string? Token => HttpContext.Items[SharedNegotiation.TokenItem] as string;

    protected string? Source => PatientHttp.SourceAddress(HttpContext);

    /// <summary>The link's own address of the list (what the doctor was given).</summary>
    public string ListAddress => $"/api/v1/shared/{Token}/documents";

    /// <summary>A refused or unknown link: the page says why, with 403 or 404.</summary>
    protected IActionResult Refused(string? refusal)
    {
        Refusal = refusal;
        Response.StatusCode = Consent is null ? StatusCodes.Status404NotFound : StatusCodes.Status403Forbidden;
        return Page();
    }

    /// <summary>Why the link does not open, in words.</summary>
    public string RefusalText => Refusal switch
    {
        "consent.revoked" when Consent?.RevokedAt is { } at => $"Доступ закрыт: пациент отозвал согласие {Labels.DateTime(at)}. Документы по этой ссылке больше не показываются.",
        "consent.expired" when Consent is not null => $"Доступ закрыт: срок согласия истёк {Labels.DateTime(Consent.ValidUntil)}. Документы по этой ссылке больше не показываются.",
        "consent.not_yet_valid" when Consent is not null => $"Доступ ещё не открыт: согласие действует с {Labels.DateTime(Consent.ValidFrom)}.",
        "not_found" => "Такого документа по этой ссылке нет.",
        _ => "Ссылка недействительна: такого согласия нет.",
    };
}
