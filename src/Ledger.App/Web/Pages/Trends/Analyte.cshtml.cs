using System.Globalization;
using Ledger.App.Patients;
using Ledger.App.Streams;
using Ledger.App.Trends;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Patients;
using Microsoft.AspNetCore.Mvc;
using NodaTime;

namespace Ledger.App.Web.Pages.Trends;

/// <summary>
/// One analyte's chart over a period, one unit at a time (a switch between the units it was measured in), its values as
/// a table, and the patient's own threshold for it (set or removed by form, as the API's threshold operations).
/// </summary>
public sealed class AnalyteModel(TrendQueries trends, EventStore.EventStore store, CommandExecutor executor, IClock clock) : CabinetPageModel
{
    public string Loinc { get; private set; } = string.Empty;

    public string Period { get; private set; } = "all";

    public IReadOnlyList<TrendSeries> Series { get; private set; } = [];

    public TrendSeries? Shown { get; private set; }

    public AnalyteThreshold? Threshold { get; private set; }

    public string? Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(string loinc, string? period, string? unit, CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        Loinc = loinc;
        if (!LoincCode.TryParse(loinc, out var code, out var reason))
        {
            return BadRequestPage($"Код анализа «{loinc}» не распознан: {reason}.");
        }

        Period = period ?? "all";
        if (!TrendPeriods.TryWindow(Period, out var window))
        {
            return BadRequestPage("Период должен быть одним из: неделя, месяц, год, всё время.");
        }

        var since = window is { } w ? clock.GetCurrentInstant() - w : Instant.MinValue;
        Series = await trends.SeriesAsync(me.Value, code, since, cancellationToken);
        Shown = Series.FirstOrDefault(s => s.Unit == unit) ?? Series.FirstOrDefault();
        var (state, _) = await store.AggregateAsync(Deciders.Patient, StreamIds.Patient(me), cancellationToken: cancellationToken);
        Threshold = state.Thresholds.TryGetValue(code, out var threshold) ? threshold : null;
        Saved = Request.Query["saved"].ToString() switch { "set" => "Порог сохранён.", "removed" => "Порог удалён.", _ => null };
        return Page();
    }

    public async Task<IActionResult> OnPostThresholdAsync(string loinc, string? unit, string? low, string? high, CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        if (!LoincCode.TryParse(loinc, out var code, out var reason))
        {
            return await FailAsync(loinc, unit, $"Код анализа не распознан: {reason}.", cancellationToken);
        }

        if (!UcumUnit.TryParse(unit, out var ucum, out reason))
        {
            return await FailAsync(loinc, unit, $"Единица измерения не распознана: {reason}.", cancellationToken);
        }

        if (!TryNumber(low, out var lowValue) || !TryNumber(high, out var highValue))
        {
            return await FailAsync(loinc, unit, "Границы порога — числа, например 3,9 или 6.1.", cancellationToken);
        }

        return await RunAsync(me, loinc, unit, new SetAnalyteThreshold(me, code, ucum, lowValue, highValue), "set", cancellationToken);
    }

    public async Task<IActionResult> OnPostRemoveAsync(string loinc, string? unit, CancellationToken cancellationToken)
    {
        if (Me is not { } me)
        {
            return NoPatient();
        }

        return LoincCode.TryParse(loinc, out var code, out var reason)
            ? await RunAsync(me, loinc, unit, new RemoveAnalyteThreshold(me, code), "removed", cancellationToken)
            : await FailAsync(loinc, unit, $"Код анализа не распознан: {reason}.", cancellationToken);
    }

    private async Task<IActionResult> RunAsync(PatientId me, string loinc, string? unit, PatientCommand command, string saved, CancellationToken cancellationToken)
    {
        var commandId = Guid.CreateVersion7();
        try
        {
            await executor.ExecuteAsync(Deciders.Patient, StreamIds.Patient(me), command, new CommandContext(commandId, PatientHttp.Metadata(User, commandId), me.Value), cancellationToken);
        }
        catch (DomainRejection rejection)
        {
            return await FailAsync(loinc, unit, "Порог не сохранён: " + rejection.Message, cancellationToken);
        }

        return Redirect($"/trends/{Uri.EscapeDataString(loinc)}?unit={Uri.EscapeDataString(unit ?? string.Empty)}&saved={saved}");
    }

    private async Task<IActionResult> FailAsync(string loinc, string? unit, string message, CancellationToken cancellationToken)
    {
        await OnGetAsync(loinc, null, unit, cancellationToken);
        return BadRequestPage(message);
    }

    private static bool TryNumber(string? text, out decimal? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (decimal.TryParse(text.Trim().Replace(',', '.'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        return false;
    }
}
