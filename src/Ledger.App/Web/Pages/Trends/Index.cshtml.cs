using Ledger.App.Trends;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages.Trends;

/// <summary>The analytes with a trend: one line per code and unit.</summary>
public sealed class IndexModel(TrendQueries trends) : CabinetPageModel
{
    public IReadOnlyList<TrendAnalyte> Analytes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        Analytes = await trends.AnalytesAsync(me.Value, cancellationToken);
        return Page();
    }
}
