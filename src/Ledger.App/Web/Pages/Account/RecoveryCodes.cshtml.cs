using Ledger.App.Identity;

namespace Ledger.App.Web.Pages.Account;

/// <summary>
/// The recovery codes of the authenticator just confirmed, shown once: the confirm endpoint hands them over in the
/// encrypted TempData cookie, and reading them here removes them (a reload shows none).
/// </summary>
public sealed class RecoveryCodesModel : AccountPageModel
{
    public IReadOnlyList<string> Codes { get; private set; } = [];

    public void OnGet() => Codes = RecoveryCodesHandOver.Take(TempData);
}
