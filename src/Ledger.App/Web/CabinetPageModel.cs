using Ledger.App.Patients;
using Ledger.Domain.Identifiers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Ledger.App.Web;

/// <summary>A page of the patient's cabinet: the patient is the caller (the policy admitted a patient).</summary>
public abstract class CabinetPageModel : PageModel
{
    /// <summary>The patient the caller speaks for; null when the credentials name none (answered 403).</summary>
    protected PatientId? Me => PatientHttp.Me(User);

    protected IActionResult NoPatient() => StatusCode(StatusCodes.Status403Forbidden);

    /// <summary>A page that could not be answered as asked: the reason is shown on the page with status 400.</summary>
    protected IActionResult BadRequestPage(string message)
    {
        Error = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>
    /// The <c>page</c> number of the query string (1 when absent), read from the query string itself: "page" is also the
    /// route value that names a Razor page. Null when it is not a positive number.
    /// </summary>
    protected int? PageNumber()
    {
        var page = Request.Query["page"].ToString();
        if (page.Length == 0)
        {
            return 1;
        }

        return int.TryParse(page, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number >= 1 ? number : null;
    }

    /// <summary>The refusal of a <c>page</c> that is not a positive number.</summary>
    protected IActionResult BadPageNumber() => BadRequestPage("Номер страницы — положительное число.");

    /// <summary>What went wrong with the request, in words, shown at the top of the page.</summary>
    public string? Error { get; protected set; }
}
