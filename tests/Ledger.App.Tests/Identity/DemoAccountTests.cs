using System.Net;
using Ledger.App.Demo;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.Identity;

public sealed class DemoAccountTests
{
    [Fact]
    public async Task A_newcomer_signs_in_to_the_demo_with_the_documented_password_and_secret()
    {
        await using var host = await LedgerHost.StartAsync();
        await new DemoData(host.Services.GetRequiredService<CommandExecutor>(), host.Services.GetRequiredService<TokenService>(), host.Clock).SeedAsync(TextWriter.Null);
        var documented = await File.ReadAllTextAsync(Path.Combine(Http.Repository.Root, "docs", "identity.md"));
        using var browser = new Browser(host);

        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PasswordAsync(DemoData.Login, DemoData.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CodeAsync(browser.CodeNow(DemoData.TotpSecret))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.JournalAsync()).StatusCode);
        Assert.Contains($"login **`{DemoData.Login}`**, password **`{DemoData.Password}`**", documented, StringComparison.Ordinal);
        Assert.Contains($"secret **`{DemoData.TotpSecret}`**", documented, StringComparison.Ordinal);
        Assert.All(DemoData.RecoveryCodeList, c => Assert.Contains(c, documented, StringComparison.Ordinal));
    }
}
