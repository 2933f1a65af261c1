namespace Ledger.App.Web.Pages;

/// <summary>The place of the sign-in journal in the cabinet; it lists the patient's sign-ins once the cabinet has its own sign-in.</summary>
public sealed class SignInsModel : CabinetPageModel
{
}
