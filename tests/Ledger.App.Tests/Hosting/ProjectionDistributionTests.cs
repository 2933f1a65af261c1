using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.EventStore.Projections;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Hosting;

/// <summary>
/// Wolverine runs the async projections: each on exactly one node of those that run background work, spread over
/// them, and moved to a remaining node when its node stops.
/// </summary>
public sealed class ProjectionDistributionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Each_projection_runs_on_one_node_the_nodes_share_them_and_a_stopped_nodes_projections_move()
    {
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} start");
        await using var first = await LedgerHost.StartAsync();
        var operations = first.Services.GetRequiredService<ProjectionOperations>();
        var second = await LedgerHost.StartNodeAsync(first);
        var secondStopped = false;
        try
        {
            // Both nodes run some of the projections, and every projection runs somewhere.
            var shared = await WaitForAsync(operations, s => s.All(p => p.State == ProjectionState.Running) && s.Select(p => Node(p.Leader)).Distinct().Count() == 2);
            Assert.True(shared.Count >= 3, $"expected the cabinet, trends and access journal projections, got {shared.Count}");

            var patient = await Seed.PatientAsync(first);
            await Seed.DocumentAsync(second, patient, Seed.Report("ORD-BEFORE"));
            await Seed.CatchUpAsync(first);
            Assert.Equal(1, await CountAsync(first, patient));

            // The second node stops: what it ran moves to the first, and goes on from where it stood.
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} stopping the second");
            await second.DisposeAsync();
            secondStopped = true;
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} stopped");
            var moved = await WaitForAsync(operations, s => s.All(p => p.State == ProjectionState.Running) && s.Select(p => Node(p.Leader)).Distinct().Count() == 1);
            Assert.All(moved, p => Assert.Equal(Node(moved[0].Leader), Node(p.Leader)));

            await Seed.DocumentAsync(first, patient, Seed.Report("ORD-AFTER"));
            await Seed.CatchUpAsync(first);
            Assert.Equal(2, await CountAsync(first, patient));
            Assert.All(await operations.GetStatusAsync(), p => Assert.Equal(0L, p.EventsBehind));
        }
        finally
        {
            if (!secondStopped)
            {
                await second.DisposeAsync();
            }
        }
    }

    /// <summary>"node N on HOST" from "node N on HOST (health check S s ago)".</summary>
    private static string? Node(string? leader) => leader?[..leader.IndexOf(" (", StringComparison.Ordinal)];

    private static async Task<long> CountAsync(LedgerHost host, Guid patient)
    {
        using var client = host.ClientAs(Roles.Patient, patient, Duration.FromHours(1));
        var page = await client.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/documents");
        return page.GetProperty("total").GetInt64();
    }

    private async Task<IReadOnlyList<ProjectionStatus>> WaitForAsync(ProjectionOperations operations, Func<IReadOnlyList<ProjectionStatus>, bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var statuses = await operations.GetStatusAsync();
            if (condition(statuses))
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} " + string.Join("; ", statuses.Select(s => $"{s.Name} {s.State} {s.Leader}")));
                return statuses;
            }

            Assert.True(DateTime.UtcNow < until, "timed out; last seen: " + string.Join("; ", statuses.Select(s => $"{s.Name} {s.State} {s.Leader}")));
            await Task.Delay(100);
        }
    }
}
