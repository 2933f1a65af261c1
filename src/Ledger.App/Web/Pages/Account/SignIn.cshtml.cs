using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.App.Web.Pages.Account;

/// <summary>Where a visitor without credentials lands: the cabinet needs a sign-in.</summary>
public sealed class SignInModel : PageModel
{
    public void OnGet()
    {
    }
}
