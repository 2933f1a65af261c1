using System.Collections.Immutable;
using Ledger.Domain.Identifiers;

namespace Ledger.Domain.Results;

/// <summary>
/// «в ожидании», «готов», «подтверждён» (<see cref="ResultRelease.StatusOf"/>). A status change asked for on its own
/// only moves forward; a correction takes the status its release gives the new content.
/// </summary>
public enum ResultStatus
{
    Pending,
    Ready,
    Confirmed,
}

/// <summary>One version of a document's content; version 1 is what arrived, later ones are corrections.</summary>
public sealed record ResultVersion(int Number, ResultContent Content, string DeliveryId, string? CorrectionReason);

/// <summary>The state of one delivered document (one result stream).</summary>
public sealed record ResultState(
    bool Exists,
    DocumentId DocumentId,
    PatientRef? Patient,
    OrganizationId Sender,
    ResultStatus Status,
    ImmutableList<ResultVersion> Versions,
    ImmutableHashSet<string> DeliveryIds)
{
    public static ResultState Initial { get; } = new(
        false, default, null, default, ResultStatus.Pending, [], ImmutableHashSet.Create<string>(StringComparer.Ordinal));

    /// <summary>The latest content, or null before the document arrived.</summary>
    public ResultContent? Current => Versions.IsEmpty ? null : Versions[^1].Content;

    public DocumentType? DocumentType => Current?.GetDocumentType();

    public static ResultState Evolve(ResultState state, IResultEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        return @event switch
        {
            LabResultArrived e => state.Arrived(e, e.DeliveryId, e.Report),
            InstrumentalStudyArrived e => state.Arrived(e, e.DeliveryId, e.Study),
            VisitProtocolRecorded e => state.Arrived(e, e.DeliveryId, e.Protocol),
            VaccinationRecorded e => state.Arrived(e, e.DeliveryId, e.Vaccination),
            ResultCorrected e => state with
            {
                Versions = state.Versions.Add(
                    new ResultVersion(state.Versions.Count + 1, e.Content, e.DeliveryId, e.Reason)),
                DeliveryIds = state.DeliveryIds.Add(e.DeliveryId),
            },
            ResultStatusChanged e => state with { Status = e.To },
            ResultPatientResolved e => state with { Patient = e.Patient },
            _ => throw new InvalidOperationException(
                $"ResultState does not know the event {@event?.GetType().FullName ?? "null"}."),
        };
    }

    private ResultState Arrived(IResultEvent e, string deliveryId, ResultContent content) => this with
    {
        Exists = true,
        DocumentId = e.DocumentId,
        Patient = e.Patient,
        Sender = e.Sender,
        Status = ResultStatus.Pending,
        Versions = [new ResultVersion(1, content, deliveryId, null)],
        DeliveryIds = DeliveryIds.Add(deliveryId),
    };
}
