using System.Security.Cryptography;
using System.Text.Json;
using Ledger.App.Ingestion.Fhir;
using Ledger.App.Ingestion.Parsed;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using NodaTime;

namespace Ledger.App.Ingestion;

/// <summary>The answer to one FHIR delivery: HTTP status and an OperationOutcome.</summary>
public sealed record FhirAnswer(int HttpStatus, string OperationOutcome);

/// <summary>
/// Stores the documents of one FHIR resource or Bundle. Everything is parsed, mapped and checked against the
/// domain's rules before the first append; then each document is its own append (all-or-nothing per document).
/// A repeat (same Bundle.identifier or Idempotency-Key) gets the first answer back; without either, documents
/// are still recognised by their ids (derived from sender, resource type and resource id) and not stored twice.
/// </summary>
public sealed class FhirIngestion(CommandExecutor executor, PatientResolver patients, IngestionTables tables, IngestionOptions options, IClock clock)
{
    public async Task<FhirAnswer> IngestAsync(Guid sender, ReadOnlyMemory<byte> body, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (body.Length > options.MaxFhirBytes)
        {
            return Issue(StatusCodes.Status413PayloadTooLarge, "too-costly", "", $"document of {body.Length} bytes, at most {options.MaxFhirBytes} allowed");
        }

        FhirIngestResult read;
        try
        {
            read = FhirReader.Read(body, FhirReaderOptions.Default with { MaxBytes = options.MaxFhirBytes, MaxObservations = options.MaxObservations });
        }
        catch (FhirValidationException e)
        {
            return new FhirAnswer(e.IsLimit ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, e.ToOperationOutcomeJson());
        }

        var key = idempotencyKey is { Length: > 0 } k ? "idempotency-key\n" + k : BundleKey(body);
        if (key is not null && await tables.FindOutcomeAsync(sender, key, cancellationToken) is { } stored)
        {
            return new FhirAnswer(StatusCodes.Status200OK, stored.Body);
        }

        List<(DocumentId Id, ResultCommand Command, Guid EncryptFor)> commands;
        try
        {
            commands = await PrepareAsync(sender, read, body, cancellationToken);
        }
        catch (IngestionError e)
        {
            var errorStatus = e.Kind switch
            {
                IngestionErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
                IngestionErrorKind.Rejected => StatusCodes.Status422UnprocessableEntity,
                _ => StatusCodes.Status400BadRequest,
            };
            return Issue(errorStatus, e.Kind == IngestionErrorKind.TooLarge ? "too-costly" : "value", e.Field, e.Reason);
        }
        catch (DomainValidationException e)
        {
            return Issue(StatusCodes.Status400BadRequest, "value", e.Field, e.Reason);
        }
        catch (DomainRejection e)
        {
            return Issue(StatusCodes.Status422UnprocessableEntity, "business-rule", e.Code, e.Message);
        }

        var created = 0;
        foreach (var (id, command, encryptFor) in commands)
        {
            var commandId = IngestionTables.Derive("command", sender.ToString("N"), id.Value.ToString("N"));
            var outcome = await executor.ExecuteAsync(
                Deciders.Result,
                StreamIds.Result(id),
                command,
                new CommandContext(commandId, new EventMetadata(CorrelationId: commandId, ActorKind: "organization", ActorId: sender.ToString("D")), encryptFor),
                cancellationToken);
            created += outcome.Events.Count > 0 && !outcome.AlreadyStored ? 1 : 0;
        }

        var body201 = OperationOutcomeWriter.Write(
            [new FhirIssue(FhirIssueSeverity.Warning, "informational", "", $"stored {commands.Count} document(s): {string.Join(", ", commands.Select(c => c.Id))}")])
            .Replace("\"severity\":\"warning\"", "\"severity\":\"information\"", StringComparison.Ordinal);
        var status = created > 0 ? StatusCodes.Status201Created : StatusCodes.Status200OK;
        if (key is not null)
        {
            var first = await tables.SaveOutcomeAsync(sender, key, new StoredOutcome(status.ToString(System.Globalization.CultureInfo.InvariantCulture), body201), cancellationToken);
            return new FhirAnswer(first.Body == body201 ? status : StatusCodes.Status200OK, first.Body);
        }

        return new FhirAnswer(status, body201);
    }

    private async Task<List<(DocumentId, ResultCommand, Guid)>> PrepareAsync(Guid sender, FhirIngestResult read, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var senderId = new OrganizationId(sender);
        var contentHash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var now = clock.GetCurrentInstant();
        var commands = new List<(DocumentId, ResultCommand, Guid)>();
        var index = 0;

        DocumentId IdFor(string type, string? sourceId) =>
            new(IngestionTables.Derive("fhir", sender.ToString("N"), type, sourceId ?? $"{contentHash}#{index}"));

        foreach (var lab in read.LabResults)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, lab.PatientIdentifiers, lab.SubjectReference, "DiagnosticReport.subject", cancellationToken);
            var id = IdFor("lab", lab.SourceId);
            Add(new RecordLabResult(id, patient.Patient, senderId, DeliveryId(id), LabReportMapping.ToReport(lab, sender, options), LabReportMapping.Release(lab)), id, patient);
        }

        foreach (var study in read.InstrumentalStudies)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, study.PatientIdentifiers, study.SubjectReference, "DiagnosticReport.subject", cancellationToken);
            var id = IdFor("study", study.SourceId);
            Add(new RecordInstrumentalStudy(id, patient.Patient, senderId, DeliveryId(id), ClinicalDocumentMapping.ToStudy(study, options), ClinicalDocumentMapping.Release(study)), id, patient);
        }

        foreach (var vaccination in read.Vaccinations)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, vaccination.PatientIdentifiers, vaccination.SubjectReference, "Immunization.patient", cancellationToken);
            var id = IdFor("vaccination", vaccination.SourceId);
            Add(new RecordVaccination(id, patient.Patient, senderId, DeliveryId(id), ClinicalDocumentMapping.ToVaccination(vaccination, sender), ClinicalDocumentMapping.Release(vaccination)), id, patient);
        }

        foreach (var visit in read.VisitProtocols)
        {
            index++;
            var patient = await patients.ResolveAsync(sender, visit.PatientIdentifiers, visit.SubjectReference, "Composition.subject", cancellationToken);
            var id = IdFor("visit", visit.SourceId);
            Add(new RecordVisitProtocol(id, patient.Patient, senderId, DeliveryId(id), ClinicalDocumentMapping.ToVisit(visit), ClinicalDocumentMapping.Release(visit)), id, patient);
        }

        if (commands.Count == 0)
        {
            throw new IngestionError(IngestionErrorKind.Rejected, "resourceType", "nothing deliverable: send a DiagnosticReport, Observation, Immunization or Composition");
        }

        return commands;

        void Add(ResultCommand command, DocumentId id, ResolvedPatient patient)
        {
            // Checks the domain's rules now, so that a bad document stops the whole bundle before any append.
            ResultDecider.Decide(command, ResultState.Initial, now);
            commands.Add((id, command, patient.EncryptFor));
        }
    }

    private static string DeliveryId(DocumentId id) => "fhir:" + id.Value.ToString("N");

    /// <summary>The Bundle.identifier (system|value) when the body is a Bundle that has one.</summary>
    private static string? BundleKey(ReadOnlyMemory<byte> body)
    {
        try
        {
            var span = body.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? body[3..] : body;
            using var json = JsonDocument.Parse(span);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("resourceType", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == "Bundle"
                && root.TryGetProperty("identifier", out var identifier) && identifier.ValueKind == JsonValueKind.Object
                && identifier.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String)
            {
                var system = identifier.TryGetProperty("system", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                return $"bundle-identifier\n{system}|{value.GetString()}";
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }

        return null;
    }

    private static FhirAnswer Issue(int status, string code, string expression, string message) =>
        new(status, OperationOutcomeWriter.Write([new FhirIssue(FhirIssueSeverity.Error, code, expression, message)]));
}
