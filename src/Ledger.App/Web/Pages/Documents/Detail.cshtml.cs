using Ledger.App.AccessJournal;
using Ledger.App.Cabinet;
using Ledger.App.Organizations;
using Ledger.App.Patients;
using Ledger.App.Trends;
using Ledger.Domain.Results;
using Ledger.Domain.Access;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages.Documents;

/// <summary>One document with every observation, the change against the previous values and its corrections; the view is recorded.</summary>
public sealed class DetailModel(EventStore.EventStore store, OrganizationDirectory organizations, TrendQueries trends, AccessRecorder access) : CabinetPageModel
{
    public DocumentView? View { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        if (await DocumentReader.LoadAsync(store, id, me, cancellationToken) is not { } loaded)
        {
            return NotFound();
        }

        var state = loaded.State;
        await access.AccessedAsync(new AccessEntry(me, PatientHttp.ActorOf(User), state.DocumentId, "view document", null, AccessChannel.Web, PatientHttp.SourceAddress(HttpContext)), cancellationToken: cancellationToken);
        View = new DocumentView(
            await DocumentReader.DetailAsync(state, organizations, cancellationToken),
            state.Current is LabReport ? await trends.PreviousValuesAsync(me.Value, id, cancellationToken) : [],
            state.Versions) { AttachmentUrl = index => AttachmentEndpoints.PatientPath(id, index) };
        return Page();
    }
}
