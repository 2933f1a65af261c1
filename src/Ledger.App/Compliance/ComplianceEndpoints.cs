using Ledger.App.AccessJournal;
using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.App.Patients;
using Ledger.App.Security;
using Ledger.Domain.Access;
using Ledger.Domain.Identifiers;
using Npgsql;

namespace Ledger.App.Compliance;

/// <summary>
/// <c>GET /api/v1/compliance/export?from=&amp;to=&amp;streamType=&amp;patient=</c> (auditor or admin): the NDJSON export of
/// <see cref="ComplianceExporter"/>, streamed. An export filtered to one patient is recorded in that patient's access
/// stream (channel export); the export carries ciphertext only, never decrypted content.
/// </summary>
public static class ComplianceEndpoints
{
    public static void MapCompliance(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/compliance/export", async Task<IResult> (string? from, string? to, string? streamType, string? patient, HttpContext http, NpgsqlDataSource dataSource, LedgerRuntime runtime, AccessRecorder access, CancellationToken ct) =>
        {
            var (filter, field, reason) = ComplianceExporter.ParseFilter(from, to, streamType, patient);
            if (filter is null)
            {
                return ProblemTypes.Invalid(field!, reason!);
            }

            if (filter.Patient is { } subject)
            {
                var actor = PatientHttp.ActorOf(http.User);
                await access.AccessedAsync(new AccessEntry(new PatientId(subject), actor, null, "compliance export", null, AccessChannel.Export, PatientHttp.SourceAddress(http)), cancellationToken: ct);
            }

            http.Response.ContentType = "application/x-ndjson";
            await new ComplianceExporter(dataSource, runtime.Schema).ExportAsync(http.Response.Body, filter, cancellationToken: ct);
            return TypedResults.Empty;
        }).RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.Admin)).WithTags("Compliance")
            .WithName("exportCompliance").WithSummary("The compliance export: one JSON line per event, ciphertext only (docs/compliance.md)")
            .Produces<string>(StatusCodes.Status200OK, "application/x-ndjson")
            .Parameters(
                new ApiParameter("from", "Events recorded at or after this instant (ISO-8601, UTC).", Format: "date-time", Example: "2026-03-01T00:00:00Z"),
                new ApiParameter("to", "Events recorded before this instant (ISO-8601, UTC).", Format: "date-time", Example: "2026-03-02T00:00:00Z"),
                new ApiParameter("streamType", "Only streams of this type (patient, result, consent, access, organization).", Example: "consent"),
                new ApiParameter("patient", "Only the streams of this patient; the export is recorded in the patient's access stream.", Format: "uuid"));
}
