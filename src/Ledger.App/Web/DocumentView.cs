using Ledger.App.Cabinet;
using Ledger.App.Trends;
using Ledger.Domain.Results;

namespace Ledger.App.Web;

/// <summary>A document as a page shows it: its content, the earlier values of its analytes, and its versions.</summary>
public sealed record DocumentView(DocumentDetail Detail, IReadOnlyList<PreviousValue> Previous, IReadOnlyList<ResultVersion> Versions)
{
    /// <summary>The address of the document's original file number <c>index</c> (from 1) for this reader; null: not offered.</summary>
    public Func<int, string>? AttachmentUrl { get; init; }

    /// <summary>The document's original files, numbered as the API numbers them (<see cref="Ingestion.AttachmentFiles.Listed"/>).</summary>
    public IReadOnlyList<Attachment> Attachments => Ingestion.AttachmentFiles.Listed(Detail.Content);

    /// <summary>The earlier value of an observation's analyte (same LOINC code and unit), when there is one.</summary>
    public PreviousValue? PreviousOf(LabObservation observation)
    {
        ArgumentNullException.ThrowIfNull(observation);
        return observation.Code.System == ObservationCode.LoincSystem && observation.Unit is { } unit && observation.Value is { } value
            ? Previous.FirstOrDefault(p => p.Loinc == observation.Code.Code && p.Unit == unit.ToString() && p.Value == value)
            : null;
    }
}
