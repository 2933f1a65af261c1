using System.Text.RegularExpressions;
using Ledger.App.Identity;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages.Account;

/// <summary>
/// The authenticator's enrolment: after a first password step (the sign-in cookie at the enrolment stage) or in the
/// patient's own session. Shows the pending secret as a QR code (inline SVG), as the otpauth URI and as text; a pending
/// secret is issued when there is none, so a reload shows the same one. The code confirms it through
/// <c>POST /account/totp/confirm</c>.
/// </summary>
public sealed partial class EnrolModel(IdentityService identity, IdentitySettings settings) : AccountPageModel
{
    public string QrSvg { get; private set; } = string.Empty;

    public string OtpauthUri { get; private set; } = string.Empty;

    /// <summary>The secret in groups of four, easier to type.</summary>
    public string SecretGroups { get; private set; } = string.Empty;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!settings.OwnSignIn)
        {
            return NotFound();
        }

        if (await IdentityEndpoints.EnrollingAsync(HttpContext) is not { } who)
        {
            return Redirect(IdentityEndpoints.SignInPath + "?error=" + SignInErrors.Expired);
        }

        var state = await identity.StateAsync(who.Patient, cancellationToken);
        string secret;
        if (state.PendingTotpSecret is { } pending)
        {
            secret = pending;
            OtpauthUri = TotpCodes.Uri(settings.Issuer, state.Login ?? who.Patient.Value.ToString("N")[..8], pending);
        }
        else
        {
            var enrolment = await identity.StartTotpEnrolmentAsync(who.Patient, cancellationToken);
            secret = enrolment.Secret;
            OtpauthUri = enrolment.OtpauthUri;
        }

        QrSvg = TotpCodes.QrSvg(OtpauthUri);
        SecretGroups = string.Join(' ', Groups().Matches(secret).Select(m => m.Value));
        return Page();
    }

    [GeneratedRegex(".{1,4}")]
    private static partial Regex Groups();
}
