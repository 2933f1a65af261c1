using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages;

/// <summary>
/// The documents list: filters and search as a plain GET form (the same parameters as the API's list), newest first,
/// paged; a document the patient has not opened yet is marked «новый».
/// </summary>
public sealed class IndexModel(CabinetQueries queries, AccessJournalQueries journal) : CabinetPageModel
{
    public CabinetPage? Documents { get; private set; }

    public IReadOnlySet<Guid> Opened { get; private set; } = new HashSet<Guid>();

    public IReadOnlyList<(Guid Id, string Name)> Organizations { get; private set; } = [];

    public string Value(string name) => Request.Query[name].ToString();

    /// <summary>The address of another page of the same list (the filters kept).</summary>
    public string PageLink(int page)
    {
        var query = Request.Query.Where(q => q.Key != "page").SelectMany(q => q.Value.Select(v => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(v ?? string.Empty)}"));
        return "/?" + string.Join("&", query.Append($"page={page}"));
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        Organizations = await queries.OrganizationsAsync(me.Value, cancellationToken);
        var (filter, field, reason) = CabinetFilter.Parse(Request.Query);
        if (filter is null)
        {
            return BadRequestPage($"Фильтр «{field}» не распознан: ожидается {reason}.");
        }

        Documents = await queries.ListAsync(me.Value, filter, null, null, cancellationToken);
        Opened = await journal.OpenedByPatientAsync(me.Value, Documents.Items.Select(d => d.DocumentId).ToList(), cancellationToken);
        return Page();
    }
}
