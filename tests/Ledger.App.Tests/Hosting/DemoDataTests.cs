using Ledger.App.Demo;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain.Results;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Hosting;

public sealed class DemoDataTests
{
    [Fact]
    public async Task Demo_data_seeds_a_laboratory_a_patient_two_tests_and_an_account_once()
    {
        await using var host = await LedgerHost.StartAsync(runBackgroundWork: false);
        var demo = new DemoData(host.Services.GetRequiredService<CommandExecutor>(), host.Services.GetRequiredService<TokenService>(), host.Clock);
        using var output = new StringWriter();

        await demo.SeedAsync(output);
        var first = await CountEventsAsync(host);
        await demo.SeedAsync(output);
        var second = await CountEventsAsync(host);

        Assert.Equal(9, first); // 6 of the records, 3 of the demo account
        Assert.Equal(first, second);
        var store = host.Services.GetRequiredService<EventStore.EventStore>();
        var (result, version) = await store.AggregateAsync(Deciders.Result, DemoData.SecondTest.Value);
        Assert.Equal(1, version);
        Assert.Contains("demo patient token: ", output.ToString(), StringComparison.Ordinal);
        Assert.NotNull(result.Current);
    }

    private static async Task<long> CountEventsAsync(LedgerHost host)
    {
        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM ledger.mt_events");
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
