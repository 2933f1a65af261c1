using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Identity;
using Ledger.Testing;
using Xunit;

namespace Ledger.App.Tests.Identity;

/// <summary>How the form endpoints answer a browser's page (redirects with an error code) beside a script (problem+json).</summary>
public sealed class SignInFormAnswerTests
{
    private const string PageAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    [Fact]
    public async Task A_refused_password_from_a_page_goes_back_to_the_form_with_the_code_and_no_credential()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login) = await Accounts.CreateAsync(host);
        using var page = new Browser(host);
        page.Http.DefaultRequestHeaders.Accept.ParseAdd(PageAccept);

        var refused = await page.PostFormAsync("/account/sign-in", true, ("login", login), ("password", "Wrong-Secret-77"), ("returnUrl", "/consents"));
        var unknown = await page.PostFormAsync("/account/sign-in", true, ("login", "nobody-" + login), ("password", "Wrong-Secret-77"), ("returnUrl", "/consents"));

        Assert.Equal(HttpStatusCode.SeeOther, refused.StatusCode);
        Assert.Equal("/account/sign-in?error=refused&returnUrl=%2Fconsents", refused.Headers.Location!.OriginalString);
        Assert.Equal(refused.Headers.Location, unknown.Headers.Location);
        Assert.DoesNotContain("Wrong-Secret", refused.Headers.Location.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(login, refused.Headers.Location.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_post_without_its_token_or_without_a_sign_in_goes_back_with_its_code_while_a_script_gets_the_problem()
    {
        await using var host = await LedgerHost.StartAsync();
        using var page = new Browser(host);
        page.Http.DefaultRequestHeaders.Accept.ParseAdd(PageAccept);
        using var script = new Browser(host);

        var noToken = await page.PostFormAsync("/account/sign-in", false, ("login", "someone"), ("password", "whatever-1"));
        var noSignIn = await page.PostFormAsync(IdentityEndpoints.SecondFactorPath, true, ("code", "123456"), ("returnUrl", "https://evil.example/"));
        var scriptRefused = await script.PostFormAsync(IdentityEndpoints.SecondFactorPath, true, ("code", "123456"));

        Assert.Equal("/account/sign-in?error=form", noToken.Headers.Location!.OriginalString);
        Assert.Equal("/account/sign-in?error=expired", noSignIn.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, scriptRefused.StatusCode);
        Assert.Equal("application/problem+json", scriptRefused.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No sign-in in progress", (await scriptRefused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }
}
