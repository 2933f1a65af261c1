using Ledger.App.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.App.Web.Pages.Account;

/// <summary>
/// A page of the sign-in: it shows a form that posts to the identity's form endpoint (docs/identity.md) and, after a
/// refused post, the error code it was sent back with, in words. The return address is a local path only.
/// </summary>
public abstract class AccountPageModel : PageModel
{
    /// <summary>The refusal in words, from <c>?error=</c>; null when there is none.</summary>
    public string? Error => SignInErrors.Message(Request.Query["error"].ToString());

    /// <summary>Where to go after the sign-in: a local path (anything else becomes <c>/</c>).</summary>
    public string ReturnUrl => IdentityEndpoints.ReturnUrl(Request.Query["returnUrl"].ToString());
}
