using Ledger.App.Consents;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages.ShareLink;

/// <summary>One document under a share link, as the consent allows; the view (or the refusal) is recorded.</summary>
public sealed class DocumentModel(ShareLinkAccess links) : ShareLinkPage
{
    public DocumentView? View { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (Token is not { } token)
        {
            return NotFound();
        }

        var outcome = await links.DocumentAsync(token, id, Source, cancellationToken);
        Consent = outcome.Consent;
        if (outcome.Refusal is not null || outcome.Consent is null)
        {
            return Refused(outcome.Refusal);
        }

        if (outcome.NotFound)
        {
            Refusal = "not_found";
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        View = new DocumentView(await links.DetailAsync(outcome.Value!, cancellationToken), [], outcome.Value!.State.Versions) { AttachmentUrl = index => Cabinet.AttachmentEndpoints.SharedPath(token, id, index) };
        return Page();
    }
}
