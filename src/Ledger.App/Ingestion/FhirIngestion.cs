using System.Security.Cryptography;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Ingestion.Parsed;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Results;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Ingestion;

/// <summary>The answer to one FHIR delivery: HTTP status and an OperationOutcome in the format asked for.</summary>
public sealed record FhirAnswer(int HttpStatus, string OperationOutcome);

/// <summary>
/// Stores the documents and medical card entries of one FHIR resource or Bundle (JSON or XML, read with the Firely
/// SDK). Everything is parsed, mapped and checked against the domain's rules before the first append; then each
/// document, and each card entry, is its own append. A repeat (same Bundle.identifier or Idempotency-Key) gets the
/// first answer back; without either, documents and entries are still recognised by their ids (derived from sender,
/// resource type and resource id) and not stored twice.
/// </summary>
public sealed class FhirIngestion(CommandExecutor executor, EventStore.EventStore store, PatientResolver patients, IngestionTables tables, AttachmentFiles files, IngestionOptions options, IClock clock)
{
    /// <summary>One append prepared and checked: the id it reports and the append itself (true when it stored something new).</summary>
    private sealed record Pending(Guid Id, Func<CancellationToken, Task<bool>> Append);

    public async Task<FhirAnswer> IngestAsync(Guid sender, ReadOnlyMemory<byte> body, string? idempotencyKey, CancellationToken cancellationToken) =>
        await IngestAsync(sender, body, FhirFormat.Json, FhirFormat.Json, idempotencyKey, cancellationToken);

    /// <summary>Reads <paramref name="body"/> in <paramref name="format"/> and answers in <paramref name="answerFormat"/>.</summary>
    public async Task<FhirAnswer> IngestAsync(Guid sender, ReadOnlyMemory<byte> body, FhirFormat format, FhirFormat answerFormat, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (body.Length > options.MaxFhirBytes)
        {
            return Issue(StatusCodes.Status413PayloadTooLarge, "too-costly", "", $"document of {body.Length} bytes, at most {options.MaxFhirBytes} allowed", answerFormat);
        }

        FhirIngestResult read;
        try
        {
            read = FhirDeliveryReader.Read(body, format, FhirDeliveryOptions.Default with { MaxBytes = options.MaxFhirBytes, MaxObservations = options.MaxObservations });
        }
        catch (FhirValidationException e)
        {
            return new FhirAnswer(e.IsLimit ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, e.ToOperationOutcome(answerFormat));
        }

        var key = idempotencyKey is { Length: > 0 } k ? "idempotency-key\n" + k : read.BundleIdentifier is { } bundle ? "bundle-identifier\n" + bundle : null;
        if (key is not null && await tables.FindOutcomeAsync(sender, key, cancellationToken) is { } stored)
        {
            return new FhirAnswer(StatusCodes.Status200OK, OperationOutcomeWriter.Convert(stored.Body, answerFormat));
        }

        List<Pending> pending;
        try
        {
            pending = await PrepareAsync(sender, read, body, cancellationToken);
        }
        catch (IngestionError e)
        {
            var errorStatus = e.Kind switch
            {
                IngestionErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
                IngestionErrorKind.Rejected => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status400BadRequest,
            };
            return Issue(errorStatus, e.Kind == IngestionErrorKind.TooLarge ? "too-costly" : "value", e.Field, e.Reason, answerFormat);
        }
        catch (DomainValidationException e)
        {
            return Issue(StatusCodes.Status400BadRequest, "value", e.Field, e.Reason, answerFormat);
        }
        catch (DomainRejection e)
        {
            return Issue(StatusCodes.Status422UnprocessableEntity, "business-rule", e.Code, e.Message, answerFormat);
        }

        var created = 0;
        foreach (var append in pending)
        {
            created += await append.Append(cancellationToken) ? 1 : 0;
        }

        // Stored (and compared) as JSON; a repeat is answered in the format it asks for.
        var body201 = OperationOutcomeWriter.Information($"stored {pending.Count} document(s): {string.Join(", ", pending.Select(c => c.Id))}");
        var status = created > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        if (key is not null)
        {
            var first = await tables.SaveOutcomeAsync(sender, key, new StoredOutcome(status.ToString(System.Globalization.CultureInfo.InvariantCulture), body201), cancellationToken);
            return new FhirAnswer(first.Body == body201 ? status : StatusCodes.Status200OK, OperationOutcomeWriter.Convert(first.Body, answerFormat));
        }

        return new FhirAnswer(status, OperationOutcomeWriter.Convert(body201, answerFormat));
    }

    private async Task<List<Pending>> PrepareAsync(Guid sender, FhirIngestResult read, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var senderId = new OrganizationId(sender);
        var contentHash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var now = clock.GetCurrentInstant();
        var pending = new List<Pending>();
        var index = 0;

        Guid IdFor(string type, string? sourceId) =>
            IngestionTables.Derive("fhir", sender.ToString("N"), type, sourceId ?? $"{contentHash}#{index}");

        foreach (var lab in read.LabResults)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, lab.PatientIdentifiers, lab.SubjectReference, "DiagnosticReport.subject", cancellationToken);
            var id = new DocumentId(IdFor("lab", lab.SourceId));
            AddResult(new RecordLabResult(id, patient.Patient, senderId, DeliveryId(id.Value), LabReportMapping.ToReport(lab, sender, options), LabReportMapping.Release(lab)), id, patient, AttachmentFiles.Of(lab));
        }

        foreach (var study in read.InstrumentalStudies)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, study.PatientIdentifiers, study.SubjectReference, "DiagnosticReport.subject", cancellationToken);
            var id = new DocumentId(IdFor("study", study.SourceId));
            AddResult(new RecordInstrumentalStudy(id, patient.Patient, senderId, DeliveryId(id.Value), ClinicalDocumentMapping.ToStudy(study, options), ClinicalDocumentMapping.Release(study)), id, patient, study.PresentedForms.Select(f => f.Data).ToList());
        }

        foreach (var vaccination in read.Vaccinations)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, vaccination.PatientIdentifiers, vaccination.SubjectReference, "Immunization.patient", cancellationToken);
            var id = new DocumentId(IdFor("vaccination", vaccination.SourceId));
            AddResult(new RecordVaccination(id, patient.Patient, senderId, DeliveryId(id.Value), ClinicalDocumentMapping.ToVaccination(vaccination, sender), ClinicalDocumentMapping.Release(vaccination)), id, patient, []);
        }

        foreach (var visit in read.VisitProtocols)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, visit.PatientIdentifiers, visit.SubjectReference, "Composition.subject", cancellationToken);
            var id = new DocumentId(IdFor("visit", visit.SourceId));
            AddResult(new RecordVisitProtocol(id, patient.Patient, senderId, DeliveryId(id.Value), ClinicalDocumentMapping.ToVisit(visit), ClinicalDocumentMapping.Release(visit)), id, patient, []);
        }

        foreach (var condition in read.Conditions)
        {
            index++;
            var patient = await CardPatientAsync(sender, condition.PatientIdentifiers, condition.SubjectReference, "Condition.subject", cancellationToken);
            var id = IdFor("condition", condition.SourceId);
            await AddCardAsync(new RecordCondition(patient, id, senderId, DeliveryId(id), MedicalCardMapping.ToCondition(condition)));
        }

        foreach (var allergy in read.Allergies)
        {
            index++;
            var patient = await CardPatientAsync(sender, allergy.PatientIdentifiers, allergy.SubjectReference, "AllergyIntolerance.patient", cancellationToken);
            var id = IdFor("allergy", allergy.SourceId);
            await AddCardAsync(new RecordAllergy(patient, id, senderId, DeliveryId(id), MedicalCardMapping.ToAllergy(allergy)));
        }

        if (pending.Count == 0)
        {
            throw new IngestionError(IngestionErrorKind.Rejected, "resourceType", "nothing deliverable: send a DiagnosticReport, Observation, Immunization, Composition, Condition or AllergyIntolerance");
        }

        return pending;

        void AddResult(ResultCommand command, DocumentId id, ResolvedPatient patient, IReadOnlyList<ReadOnlyMemory<byte>> attachments)
        {
            // Checks the domain's rules now, so that a bad document stops the whole bundle before any append.
            ResultDecider.Decide(command, ResultState.Initial, now);
            pending.Add(new Pending(id.Value, async ct =>
            {
                // The original files are stored by the document's own append: with it, or not at all.
                var context = Context(id.Value, patient.EncryptFor, null) with { Writes = await files.WritesAsync(patient, attachments, ct) };
                var outcome = await executor.ExecuteAsync(Deciders.Result, StreamIds.Result(id), command, context, ct);
                return outcome.Events.Count > 0 && !outcome.AlreadyStored;
            }));
        }

        async Task AddCardAsync(MedicalCardCommand command)
        {
            // The card's rules depend on what is on it (a correction, an entry recorded in error): checked against its state now.
            var stream = StreamIds.MedicalCard(command.Patient);
            var (state, _) = await store.AggregateAsync(Deciders.MedicalCard, stream, cancellationToken: cancellationToken);
            MedicalCardDecider.Decide(command, state, now);
            pending.Add(new Pending(command.EntryId, async ct =>
            {
                var outcome = await executor.ExecuteAsync(Deciders.MedicalCard, stream, command, Context(command.EntryId, command.Patient.Value, contentHash), ct);
                return outcome.Events.Count > 0 && !outcome.AlreadyStored;
            }));
        }

        // A document's command id is its id (a redelivery is a repeat); a card entry's also names the content, so
        // that a redelivery with other content is decided again (a correction).
        CommandContext Context(Guid id, Guid encryptFor, string? content)
        {
            var commandId = content is null
                ? IngestionTables.Derive("command", sender.ToString("N"), id.ToString("N"))
                : IngestionTables.Derive("command", sender.ToString("N"), id.ToString("N"), content);
            return new CommandContext(commandId, new EventMetadata(CorrelationId: commandId, ActorKind: "organization", ActorId: sender.ToString("D")), encryptFor);
        }
    }

    /// <summary>
    /// A medical card belongs to a cabinet: an entry for a patient without one (an identifier no cabinet has yet) is
    /// refused rather than kept waiting, since the card is keyed by the patient.
    /// </summary>
    private async Task<PatientId> CardPatientAsync(Guid sender, IReadOnlyList<PatientIdentifierCandidate> identifiers, string? subject, string field, CancellationToken cancellationToken)
    {
        var resolved = await patients.ResolveAsync(sender, identifiers, subject, field, cancellationToken);
        return resolved.Patient.PatientId
            ?? throw new IngestionError(IngestionErrorKind.Rejected, field, "the patient has no cabinet: a medical card entry needs a registered patient (СНИЛС or ЕНП of a cabinet)");
    }

    private static string DeliveryId(Guid id) => "fhir:" + id.ToString("N");

    private static FhirAnswer Issue(int status, string code, string expression, string message, FhirFormat format) =>
        new(status, OperationOutcomeWriter.Write([new FhirIssue(FhirIssueSeverity.Error, code, expression, message)], format));
}
