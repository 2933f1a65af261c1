using Ledger.App.Ingestion.Hl7v2Mapping;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Hl7v2;
using NodaTime;

namespace Ledger.App.Ingestion;

/// <summary>The answer to one HL7 v2 delivery: the ACK code, the ACK text and the HTTP status that goes with it.</summary>
public sealed record Hl7Answer(AckCode Code, string Ack, int HttpStatus);

/// <summary>
/// Stores one ORU^R01 message as one document (one append) and builds its ACK; shared by HTTP and MLLP. The ACK is
/// returned only after the append committed; for a new document it is stored in the append's own transaction. A
/// repeat (same MSH-10 from the same organisation, or the same Idempotency-Key) gets the first ACK back and appends
/// nothing.
/// </summary>
public sealed class Hl7Ingestion(
    CommandExecutor executor, EventStore.EventStore store, PatientResolver patients, IngestionTables tables, AttachmentFiles files, IngestionOptions options, IClock clock)
{
    public async Task<Hl7Answer> IngestAsync(Guid sender, ReadOnlyMemory<byte> body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (body.Length > options.MaxMessageBytes)
        {
            return Answer(AckHeader.BestEffort(body.Span), new Hl7ParseException(Hl7ErrorKind.Limit, $"message of {body.Length} bytes, at most {options.MaxMessageBytes} allowed"));
        }

        Hl7Message message;
        try
        {
            message = Hl7Parser.Parse(body.Span, Parser);
        }
        catch (Hl7ParseException e)
        {
            return Answer(AckHeader.BestEffort(body.Span), e);
        }

        var header = AckHeader.FromMessage(message);
        try
        {
            return await StoreAsync(sender, message, header, idempotencyKey, cancellationToken);
        }
        catch (Hl7ParseException e)
        {
            return Answer(header, e);
        }
        catch (IngestionError e)
        {
            var kind = e.Kind == IngestionErrorKind.TooLarge ? Hl7ErrorKind.Limit : Hl7ErrorKind.Invalid;
            return Answer(header, new Hl7ParseException(kind, $"{e.Field}: {e.Reason}", e.Segment, null, e.FieldNumber), e.Kind == IngestionErrorKind.Rejected ? 422 : null);
        }
        catch (DomainValidationException e)
        {
            return Answer(header, new Hl7ParseException(Hl7ErrorKind.Invalid, $"{e.Field}: {e.Reason}"));
        }
        catch (DomainRejection e)
        {
            return Answer(header, new Hl7ParseException(Hl7ErrorKind.Invalid, $"{e.Code}: {e.Message}", null, null, null, 207), 422);
        }
    }

    private Hl7ParserOptions Parser => Hl7ParserOptions.Default with { MaxMessageBytes = options.MaxMessageBytes, MaxObservations = options.MaxObservations };

    private async Task<Hl7Answer> StoreAsync(Guid sender, Hl7Message message, AckHeader header, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var controlId = message.ControlId;
        if (string.IsNullOrWhiteSpace(controlId))
        {
            throw new Hl7ParseException(Hl7ErrorKind.Invalid, "MSH-10 (message control id) is required", "MSH", 1, 10, 101);
        }

        var key = idempotencyKey is { Length: > 0 } k ? "idempotency-key\n" + k : "msh-10\n" + controlId;
        var document = OruMapper.Map(message, Parser);
        var patient = await patients.ResolveAsync(sender, document.PatientIdentifiers, document.SubjectReference, "PID-3", cancellationToken);
        var report = LabReportMapping.ToReport(document, sender, options);
        var release = LabReportMapping.Release(document);
        var senderId = new OrganizationId(sender);
        var commandId = IngestionTables.Derive("command", sender.ToString("N"), key);
        var metadata = new EventMetadata(CorrelationId: commandId, ActorKind: "organization", ActorId: sender.ToString("D"));
        var documentId = new DocumentId(IngestionTables.Derive("hl7v2", sender.ToString("N"), controlId));
        var isCorrection = document.Panels.Any(p => p.Status.IsCorrection);
        var attachments = AttachmentFiles.Of(document);

        if (!isCorrection)
        {
            // The common case, a new document: one append that also keeps the answer, with no read before it.
            var ack = AckBuilder.Build(header, AckCode.AA, NewControlId(), Now());
            try
            {
                var stored = await executor.ExecuteAsync(
                    Deciders.Result,
                    StreamIds.Result(documentId),
                    new RecordLabResult(documentId, patient.Patient, senderId, controlId, report, release),
                    new CommandContext(commandId, metadata, patient.EncryptFor, ExpectedVersion.NoStream)
                    {
                        Writes = [tables.OutcomeWrite(sender, key, new StoredOutcome(nameof(AckCode.AA), ack)), .. await files.WritesAsync(patient, attachments, cancellationToken)],
                    },
                    cancellationToken);
                if (!stored.AlreadyStored)
                {
                    return new Hl7Answer(AckCode.AA, ack, StatusCodes.Status200OK);
                }
            }
            catch (Exception e) when (e is WrongExpectedVersionException or EventIdConflictException)
            {
                // Delivered before (or by a concurrent delivery of the same message): the first answer follows.
            }
        }

        if (await tables.FindOutcomeAsync(sender, key, cancellationToken) is { } first)
        {
            return new Hl7Answer(Enum.Parse<AckCode>(first.Status), first.Body, StatusCodes.Status200OK);
        }

        var corrected = isCorrection ? await tables.FindByOrderAsync(sender, report.OrderNumber, cancellationToken) : null;
        if (corrected is { } existing)
        {
            var (state, _) = await store.AggregateAsync(Deciders.Result, existing, cancellationToken: cancellationToken);
            var owner = state.Patient?.PatientId is { } known ? new ResolvedPatient(PatientRef.Resolved(known), known.Value) : patient;
            await executor.ExecuteAsync(
                Deciders.Result,
                existing,
                new CorrectResult(new DocumentId(existing), senderId, controlId, report, "corrected by the sender (OBR-25 C)", release),
                new CommandContext(commandId, metadata, owner.EncryptFor) { Writes = await files.WritesAsync(owner, attachments, cancellationToken) },
                cancellationToken);
        }
        else
        {
            await executor.ExecuteAsync(
                Deciders.Result,
                StreamIds.Result(documentId),
                new RecordLabResult(documentId, patient.Patient, senderId, controlId, report, release),
                new CommandContext(commandId, metadata, patient.EncryptFor) { Writes = await files.WritesAsync(patient, attachments, cancellationToken) },
                cancellationToken);
        }

        var answer = AckBuilder.Build(header, AckCode.AA, NewControlId(), Now());
        var saved = await tables.SaveOutcomeAsync(sender, key, new StoredOutcome(nameof(AckCode.AA), answer), cancellationToken);
        return new Hl7Answer(Enum.Parse<AckCode>(saved.Status), saved.Body, StatusCodes.Status200OK);
    }

    /// <summary>An AE or AR for <paramref name="error"/>; the HTTP status is 413 for limits, 422 for AR, 400 for AE.</summary>
    public Hl7Answer Answer(AckHeader header, Hl7ParseException error, int? status = null)
    {
        ArgumentNullException.ThrowIfNull(error);
        var code = error.AckCode;
        var http = status ?? error.Kind switch
        {
            Hl7ErrorKind.Limit => StatusCodes.Status413PayloadTooLarge,
            Hl7ErrorKind.Unsupported => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status400BadRequest,
        };
        return new Hl7Answer(code, AckBuilder.Build(header, code, NewControlId(), Now(), error), http);
    }

    private OffsetDateTime Now() => clock.GetCurrentInstant().WithOffset(Offset.FromHours(3));

    private static string NewControlId() => "ACK" + Guid.NewGuid().ToString("N")[..17];
}
