using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Cli;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Hosting;

public sealed class HostTests
{
    [Fact]
    public async Task Health_reports_the_database_the_schema_and_the_projections()
    {
        await using var host = await LedgerHost.StartAsync();

        var response = await host.Http.GetAsync(new Uri("/health", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("reachable", body.GetProperty("database").GetString());
        Assert.True(body.GetProperty("migrations").GetInt64() >= 2);
        Assert.Equal(JsonValueKind.Array, body.GetProperty("projections").ValueKind);
    }

    [Fact]
    public async Task The_openapi_document_is_served()
    {
        await using var host = await LedgerHost.StartAsync();

        var response = await host.Http.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"openapi\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    public static TheoryData<string> CommandNames => [.. Commands.All.Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CommandNames))]
    public async Task Every_command_has_help_by_help_NAME_and_by_NAME_help(string name)
    {
        using var byHelp = new StringWriter();
        using var byOption = new StringWriter();

        var exitByHelp = await LedgerProgram.RunAsync(["help", name], FakeClock.At(2026, 3, 2), byHelp, TextWriter.Null);
        var exitByOption = await LedgerProgram.RunAsync([name, "--help"], FakeClock.At(2026, 3, 2), byOption, TextWriter.Null);

        Assert.Equal(0, exitByHelp);
        Assert.StartsWith($"usage: ledger {name}", byHelp.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, exitByOption);
        Assert.Equal(byHelp.ToString(), byOption.ToString());
    }

    [Fact]
    public async Task Help_lists_every_command_and_the_data_directory()
    {
        using var output = new StringWriter();

        var exit = await LedgerProgram.RunAsync(["help"], FakeClock.At(2026, 3, 2), output, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.All(Commands.All, c => Assert.Contains("  " + c.Name + " ", output.ToString(), StringComparison.Ordinal));
        Assert.Contains("data directory: ", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "bogus" }, "unknown command 'bogus'")]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "verify", "--foo", "1" }, "unknown option --foo for verify")]
    [InlineData(new[] { "serve", "--bogus" }, "unknown option --bogus for serve")]
    [InlineData(new[] { "serve", "--demo=yes" }, "option --demo takes no value")]
    [InlineData(new[] { "serve", "--urls", "--demo" }, "option --urls needs a value")]
    [InlineData(new[] { "help", "bogus" }, "unknown command 'bogus'")]
    [InlineData(new[] { "checkpoint", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "token", "--role", "pilot" }, "unknown role 'pilot'")]
    [InlineData(new[] { "token", "--role", "patient", "--subject", "ivanov" }, "--subject must be an internal id")]
    [InlineData(new[] { "serve", "--urls" }, "option --urls needs a value")]
    public async Task A_bad_command_line_prints_one_line_and_exits_2(string[] args, string message)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = await LedgerProgram.RunAsync(args, FakeClock.At(2026, 3, 2), output, error);

        Assert.Equal(2, exit);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("ledger: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.Empty(output.ToString());
    }
}
