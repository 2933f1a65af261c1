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
/// <see cref="ComplianceExporter"/>, streamed. Every export is an access event (channel export): in the patient's access
/// stream when filtered to one, otherwise in the caller's own (<see cref="AccessRecorder.OwnStream"/>). The export
/// carries ciphertext only, never decrypted content.
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

            // Every export is recorded before its first byte: in the patient's access stream when it is filtered to one,
            // otherwise in the caller's own, with the filters in the (encrypted) purpose.
            var actor = PatientHttp.ActorOf(http.User);
            var source = PatientHttp.SourceAddress(http);
            await access.AccessedAsync(
                filter.Patient is { } subject
                    ? new AccessEntry(new PatientId(subject), actor, null, "compliance export", null, AccessChannel.Export, source)
                    : AccessRecorder.OwnStream(actor, "compliance export of every patient" + Describe(filter), AccessChannel.Export, source),
                cancellationToken: ct);

            http.Response.ContentType = "application/x-ndjson";
            await new ComplianceExporter(dataSource, runtime.Schema).ExportAsync(http.Response.Body, filter, cancellationToken: ct);
            return TypedResults.Empty;
        }).RequireAuthorization(p => p.RequireRole(Roles.Auditor, Roles.Admin)).WithTags("Compliance")
            .WithName("exportCompliance").WithSummary("The compliance export: one JSON line per event, ciphertext only (docs/compliance.md)")
            .Produces<string>(StatusCodes.Status200OK, "application/x-ndjson")
            .Parameters(
                new ApiParameter("from", "Events recorded at or after this date (its start, UTC) or instant (ISO-8601).", Example: "2026-03-01"),
                new ApiParameter("to", "Events recorded before this instant, or up to the end of this date (UTC).", Example: "2026-03-02T00:00:00Z"),
                new ApiParameter("streamType", "Only streams of this type; another value is a 400.", Example: "consent", Values: [.. ComplianceExporter.StreamTypes.Order(StringComparer.Ordinal)]),
                new ApiParameter("patient", "Only the streams of this patient; the export is recorded in the patient's access stream (without one, in the caller's own).", Format: "uuid"));

    internal static string Describe(ExportFilter filter)
    {
        var parts = new List<string>();
        if (filter.From is { } from)
        {
            parts.Add("from=" + NodaTime.Text.InstantPattern.ExtendedIso.Format(from));
        }

        if (filter.To is { } to)
        {
            parts.Add("to=" + NodaTime.Text.InstantPattern.ExtendedIso.Format(to));
        }

        if (filter.StreamType is { } type)
        {
            parts.Add("streamType=" + type);
        }

        return parts.Count == 0 ? string.Empty : " (" + string.Join(", ", parts) + ")";
    }
}
