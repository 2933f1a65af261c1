namespace Ledger.App.Web.Pages.Account;

/// <summary>The second step's form: a 6-digit code or a recovery code, posted to <c>POST /account/sign-in/second-factor</c>.</summary>
public sealed class SecondFactorModel : AccountPageModel
{
    public void OnGet()
    {
    }
}
