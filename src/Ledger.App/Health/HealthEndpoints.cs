using Ledger.EventStore;
using Npgsql;

namespace Ledger.App.Health;

/// <summary><c>GET /health</c>: whether the database answers and the schema is in place.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", async Task<IResult> (NpgsqlDataSource dataSource, EventStore.EventStore store, CancellationToken cancellationToken) =>
        {
            try
            {
                await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {store.Options.Schema}.migrations");
                var migrations = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
                var head = await store.GetHeadAsync(cancellationToken);
                return TypedResults.Ok(new HealthReport("healthy", "reachable", store.Options.Schema, migrations, head?.Position ?? 0));
            }
            catch (NpgsqlException ex)
            {
                return TypedResults.Json(new HealthReport("unhealthy", ex is PostgresException pg ? $"error {pg.SqlState}" : "unreachable", store.Options.Schema, 0, 0), statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        });
        return routes;
    }

    /// <summary>The body of <c>/health</c>.</summary>
    public sealed record HealthReport(string Status, string Database, string Schema, long Migrations, long HeadPosition);
}
