using Ledger.App.Cabinet;
using Ledger.App.Trends;
using Ledger.Domain.Results;

namespace Ledger.App.Web;

/// <summary>A document as a page shows it: its content, the earlier values of its analytes, and its versions.</summary>
public sealed record DocumentView(DocumentDetail Detail, IReadOnlyList<PreviousValue> Previous, IReadOnlyList<ResultVersion> Versions)
{
    /// <summary>The earlier value of an observation's analyte (same LOINC code and unit), when there is one.</summary>
    public PreviousValue? PreviousOf(LabObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Code.System == ObservationCode.LoincSystem && observation.Unit is { } unit && observation.Value is { } value
            ? Previous.FirstOrDefault(p => p.Loinc == observation.Code.Code && p.Unit == unit.ToString() && p.Value == value)
            : null;
    }
}
