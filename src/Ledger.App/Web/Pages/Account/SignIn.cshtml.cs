using Ledger.App.Identity;

namespace Ledger.App.Web.Pages.Account;

/// <summary>The password step's form: login and password, posted to <c>POST /account/sign-in</c>.</summary>
public sealed class SignInModel : AccountPageModel
{
    /// <summary>The visitor has just signed out (<c>?done=signed-out</c>).</summary>
    public bool SignedOut => Request.Query["done"] == SignInErrors.SignedOut;

    public void OnGet()
    {
    }
}
