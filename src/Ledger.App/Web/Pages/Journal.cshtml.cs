using Ledger.App.AccessJournal;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages;

/// <summary>The access journal: who saw or was refused the patient's record, newest first, 50 a page.</summary>
public sealed class JournalModel(AccessJournalQueries journal) : CabinetPageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<JournalRow> Rows { get; private set; } = [];

    public int Number { get; private set; } = 1;

    public long Total { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        if (PageNumber() is not { } number)
        {
            return BadPageNumber();
        }

        Number = number;

        Rows = await journal.ListAsync(me.Value, null, null, PageSize, (long)(Number - 1) * PageSize, newestFirst: true, cancellationToken);
        Total = await journal.CountAsync(me.Value, cancellationToken);
        return Page();
    }
}
