using Ledger.App.Hosting;
using Ledger.App.Http;
using Ledger.App.Http.OpenApi;
using Ledger.EventStore.Projections;
using Npgsql;

namespace Ledger.App.Health;

/// <summary><c>GET /health</c>: the database, the schema and every projection's state and lag.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", async Task<IResult> (NpgsqlDataSource dataSource, EventStore.EventStore store, ProjectionOperations projections, CancellationToken cancellationToken) =>
        {
            try
            {
                await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {store.Options.Schema}.migrations");
                var migrations = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                var head = await store.GetHeadAsync(cancellationToken);
                var states = (await projections.GetStatusAsync(cancellationToken))
                    .Select(p => new ProjectionHealth(p.Name, p.State.ToString().ToLowerInvariant(), p.EventsBehind, p.SecondsBehind, p.LastError, p.FailedPosition))
                    .ToList();
                var status = states.Any(p => p.State == "failed") ? "degraded" : "healthy";
                return TypedResults.Ok(new HealthReport(status, "reachable", store.Options.Schema, migrations, head?.Position ?? 0, states));
            }
            catch (NpgsqlException ex)
            {
                // An error like every other: problem+json, with the report's fields beside the problem's.
                var database = ex is PostgresException pg ? $"error {pg.SqlState}" : "unreachable";
                return ProblemTypes.Problem(
                    StatusCodes.Status503ServiceUnavailable, ProblemTypes.Unavailable, "The ledger is not healthy", $"database: {database}",
                    new Dictionary<string, object?> { ["health"] = "unhealthy", ["database"] = database, ["schema"] = store.Options.Schema });
            }
        }).AllowAnonymous().WithTags("Health")
            .WithName("getHealth").WithSummary("Whether the ledger can serve: the database, the schema and every projection's state and lag")
            .Produces<HealthReport>().Problems(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    /// <summary>The body of <c>/health</c>.</summary>
    public sealed record HealthReport(string Status, string Database, string Schema, long Migrations, long HeadPosition, IReadOnlyList<ProjectionHealth> Projections);

    /// <summary>One projection's state and lag; a failed one names the position and the error.</summary>
    public sealed record ProjectionHealth(string Name, string State, long EventsBehind, double SecondsBehind, string? LastError, long? FailedPosition);
}
