using Ledger.App.Cabinet;
using Ledger.App.Consents;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages.ShareLink;

/// <summary>The documents a share link opens (the consent's scope), newest first; every view and refusal is recorded.</summary>
public sealed class IndexModel(ShareLinkAccess links) : ShareLinkPage
{
    public CabinetPage? Documents { get; private set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Token is not { } token)
        {
            return NotFound();
        }

        var (filter, field, reason) = CabinetFilter.Parse(Request.Query);
        var outcome = await links.ListAsync(token, filter, Source, cancellationToken);
        Consent = outcome.Consent;
        if (outcome.NotFound || outcome.Refusal is not null)
        {
            return Refused(outcome.Refusal);
        }

        if (outcome.Value is null)
        {
            Error = $"Фильтр «{field}» не распознан: ожидается {reason}.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Documents = outcome.Value;
        return Page();
    }
}
