namespace Ledger.Domain.Results;

/// <summary>
/// What the sender said when it released a document: whether it is final (not preliminary) and whether the responsible
/// specialist signed it. The status follows from it and the content: see <see cref="StatusOf"/>.
/// </summary>
public sealed record ResultRelease(bool IsFinal, bool IsSigned)
{
    /// <summary>A preliminary document (or one whose sender said nothing about it).</summary>
    public static ResultRelease Preliminary { get; } = new(false, false);

    /// <summary>A final document nobody has signed yet.</summary>
    public static ResultRelease Final { get; } = new(true, false);

    /// <summary>A final document signed by the responsible specialist.</summary>
    public static ResultRelease Signed { get; } = new(true, true);

    /// <summary>
    /// «в ожидании» (<see cref="ResultStatus.Pending"/>) while the document or any of its lab observations is preliminary
    /// or only registered; «готов» (<see cref="ResultStatus.Ready"/>) when final; «подтверждён»
    /// (<see cref="ResultStatus.Confirmed"/>) when final and signed. Withdrawn (cancelled, entered-in-error), corrected and
    /// amended observations count as final.
    /// </summary>
    public ResultStatus StatusOf(ResultContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var preliminary = content is LabReport lab
            && lab.Panels.SelectMany(p => p.Observations).Any(o => o.Status is ObservationStatus.Preliminary or ObservationStatus.Registered);
        return !IsFinal || preliminary ? ResultStatus.Pending
            : IsSigned ? ResultStatus.Confirmed
            : ResultStatus.Ready;
    }
}
