using NodaTime;

namespace Ledger.Domain.Results;

/// <summary>Decides the commands on one result stream. Throws <see cref="DomainRejection"/> to refuse.</summary>
public static class ResultDecider
{
    public static IReadOnlyList<IResultEvent> Decide(ResultCommand command, ResultState state, Instant now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        return command switch
        {
            RecordLabResult c => Record(state, c.DeliveryId, c.Report, c.Release, now, () =>
                new LabResultArrived(c.DocumentId, c.Patient, c.Sender, c.DeliveryId, c.Report)),
            RecordInstrumentalStudy c => Record(state, c.DeliveryId, c.Study, c.Release, now, () =>
                new InstrumentalStudyArrived(c.DocumentId, c.Patient, c.Sender, c.DeliveryId, c.Study)),
            RecordVisitProtocol c => Record(state, c.DeliveryId, c.Protocol, c.Release, now, () =>
                new VisitProtocolRecorded(c.DocumentId, c.Patient, c.Sender, c.DeliveryId, c.Protocol)),
            RecordVaccination c => Record(state, c.DeliveryId, c.Vaccination, c.Release, now, () =>
                new VaccinationRecorded(c.DocumentId, c.Patient, c.Sender, c.DeliveryId, c.Vaccination)),
            CorrectResult c => Correct(c, state, now),
            ChangeResultStatus c => ChangeStatus(c, state),
            ResolveResultPatient c => Resolve(c, state),
            _ => throw new InvalidOperationException($"Unknown result command {command.GetType().Name}."),
        };
    }

    /// <summary>
    /// The arrival, and in the same decision the status the release gives when it is beyond pending (a document arrives
    /// pending; a final one moves on at once, so the status always changes by <see cref="ResultStatusChanged"/>).
    /// </summary>
    private static IReadOnlyList<IResultEvent> Record(
        ResultState state, string deliveryId, ResultContent content, ResultRelease? release, Instant now, Func<IResultEvent> arrived)
    {
        RequireDeliveryId(deliveryId);
        if (state.Exists)
        {
            return state.DeliveryIds.Contains(deliveryId)
                ? Decisions.Nothing<IResultEvent>()
                : throw new DomainRejection("result.already_recorded", "The document was already recorded from another delivery.");
        }

        ResultContentRules.Check(content, now);
        var e = arrived();
        var status = (release ?? ResultRelease.Preliminary).StatusOf(content);
        return status == ResultStatus.Pending
            ? Decisions.Emit(e)
            : Decisions.Emit(e, new ResultStatusChanged(e.DocumentId, e.Patient, e.Sender, ResultStatus.Pending, status));
    }

    private static IReadOnlyList<IResultEvent> Correct(CorrectResult c, ResultState state, Instant now)
    {
        var current = RequireExists(state);
        RequireDeliveryId(c.DeliveryId);
        if (state.DeliveryIds.Contains(c.DeliveryId))
        {
            return Decisions.Nothing<IResultEvent>();
        }

        if (c.Sender != state.Sender)
        {
            throw new DomainRejection("result.sender_mismatch", "Only the organisation that sent a document can correct it.");
        }

        if (c.Content.GetDocumentType() != current.GetDocumentType())
        {
            throw new DomainRejection(
                "result.correction_type_mismatch",
                $"A {current.GetDocumentType()} cannot be corrected with a {c.Content.GetDocumentType()}.");
        }

        if (string.IsNullOrWhiteSpace(c.Reason))
        {
            throw new DomainRejection("result.correction_reason_required", "A correction needs a reason.");
        }

        ResultContentRules.Check(c.Content, now);
        var corrected = new ResultCorrected(c.DocumentId, state.Patient!, state.Sender, c.DeliveryId, c.Content, c.Reason);
        var status = c.Release?.StatusOf(c.Content) ?? state.Status;
        return status == state.Status
            ? Decisions.Emit<IResultEvent>(corrected)
            : Decisions.Emit<IResultEvent>(corrected, new ResultStatusChanged(c.DocumentId, state.Patient!, state.Sender, state.Status, status));
    }

    private static IReadOnlyList<IResultEvent> ChangeStatus(ChangeResultStatus c, ResultState state)
    {
        RequireExists(state);
        if (c.To == state.Status)
        {
            return Decisions.Nothing<IResultEvent>();
        }

        if (c.To < state.Status)
        {
            throw new DomainRejection("result.status_backward", $"The status cannot go back from {state.Status} to {c.To}.");
        }

        if (c.To == ResultStatus.Confirmed && state.Status == ResultStatus.Pending)
        {
            throw new DomainRejection("result.not_final", "A document released only as preliminary cannot be confirmed.");
        }

        return Decisions.Emit(new ResultStatusChanged(c.DocumentId, state.Patient!, state.Sender, state.Status, c.To));
    }

    private static IReadOnlyList<IResultEvent> Resolve(ResolveResultPatient c, ResultState state)
    {
        RequireExists(state);
        var patient = state.Patient!;
        if (patient.PatientId is { } known)
        {
            return known == c.PatientId
                ? Decisions.Nothing<IResultEvent>()
                : throw new DomainRejection("result.patient_already_resolved", "The document already belongs to another patient.");
        }

        return Decisions.Emit(
            new ResultPatientResolved(c.DocumentId, PatientRef.Resolved(c.PatientId), state.Sender, patient.IdentifierDigest!));
    }

    private static ResultContent RequireExists(ResultState state) =>
        state.Current ?? throw new DomainRejection("result.not_found", "The document has not been recorded.");

    private static void RequireDeliveryId(string deliveryId)
    {
        if (string.IsNullOrWhiteSpace(deliveryId))
        {
            throw new DomainRejection("result.delivery_id_required", "The delivery (message) id is missing.");
        }
    }
}
