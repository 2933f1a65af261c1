using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Patients;
using Microsoft.AspNetCore.Mvc;

namespace Ledger.App.Web.Pages;

/// <summary>The delivery preferences as stored in the patient's stream, and the patient's own thresholds.</summary>
public sealed class SettingsModel(EventStore.EventStore store) : CabinetPageModel
{
    public PatientState? Patient { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(me), cancellationToken: cancellationToken);
        if (!state.Registered)
        {
            return NotFound();
        }

        Patient = state;
        return Page();
    }
}
