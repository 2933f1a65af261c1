using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Identity;
using Ledger.App.Security;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.Testing;
using NodaTime;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.Identity;

public sealed class SignInTests
{
    [Fact]
    public async Task Password_and_a_code_sign_in_and_the_session_cookie_reads_the_patient_api()
    {
        await using var host = await LedgerHost.StartAsync();
        var (patient, login, secret, _) = await Accounts.EnrolledAsync(host);
        using var browser = new Browser(host);

        var password = await browser.PasswordAsync(login.ToUpperInvariant(), Accounts.Password);
        Assert.Equal(HttpStatusCode.SeeOther, password.StatusCode);
        Assert.Equal(IdentityEndpoints.SecondFactorPath, password.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.JournalAsync()).StatusCode);

        var code = await browser.PostFormAsync(IdentityEndpoints.SecondFactorPath, true, ("code", browser.CodeNow(secret)), ("returnUrl", "/cabinet"));
        Assert.Equal(HttpStatusCode.SeeOther, code.StatusCode);
        Assert.Equal("/cabinet", code.Headers.Location!.OriginalString);
        var cookie = browser.Cookies.GetCookies(host.Address)[IdentityAuthentication.SessionCookie]!;
        Assert.True(cookie.HttpOnly);
        Assert.Contains("samesite=strict", string.Join(";", code.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);

        var me = await browser.Http.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(patient, (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid());
    }

    [Fact]
    public async Task The_form_answers_json_with_the_next_address_when_asked()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login) = await Accounts.CreateAsync(host);
        using var browser = new Browser(host);
        browser.Http.DefaultRequestHeaders.Accept.ParseAdd("application/json");

        var answer = await browser.PasswordAsync(login, Accounts.Password);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(IdentityEndpoints.EnrolPath, (await answer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("next").GetString());
    }

    [Fact]
    public async Task A_wrong_code_and_a_replayed_code_are_refused()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, secret, _) = await Accounts.EnrolledAsync(host);
        using var browser = new Browser(host);
        await browser.PasswordAsync(login, Accounts.Password);
        var right = browser.CodeNow(secret);
        var wrong = right == "000000" ? "111111" : "000000";

        var refused = await browser.CodeAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CodeAsync(right)).StatusCode);

        // The same code again, from another browser, within its 30 seconds: refused.
        using var thief = new Browser(host);
        await thief.PasswordAsync(login, Accounts.Password);
        var replay = await thief.CodeAsync(right);
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await thief.JournalAsync()).StatusCode);
        var failures = (await Events(host, login)).OfType<SignInFailed>().Select(f => f.Reason).ToList();
        Assert.Equal([SignInFailure.SecondFactor, SignInFailure.ReplayedCode], failures);
    }

    [Fact]
    public async Task A_code_of_the_step_before_or_after_is_accepted_and_two_steps_away_is_not()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, secret, _) = await Accounts.EnrolledAsync(host);
        var now = host.Clock.GetCurrentInstant();
        using var browser = new Browser(host);
        await browser.PasswordAsync(login, Accounts.Password);

        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.CodeAsync(TotpCodes.Compute(secret, now + Duration.FromSeconds(60)))).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CodeAsync(TotpCodes.Compute(secret, now + Duration.FromSeconds(30)))).StatusCode);
    }

    [Fact]
    public async Task Five_failures_lock_the_account_for_fifteen_minutes_even_for_the_right_password()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, secret, _) = await Accounts.EnrolledAsync(host);
        using var browser = new Browser(host);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PasswordAsync(login, "wrong-password-" + i)).StatusCode);
        }

        var locked = await browser.PasswordAsync(login, Accounts.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, locked.StatusCode);
        Assert.Single((await Events(host, login)).OfType<AccountLocked>());

        host.Clock.Advance(Duration.FromMinutes(14));
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PasswordAsync(login, Accounts.Password)).StatusCode);
        host.Clock.Advance(Duration.FromMinutes(1));
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.PasswordAsync(login, Accounts.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await browser.CodeAsync(browser.CodeNow(secret))).StatusCode);
    }

    [Fact]
    public async Task An_unknown_login_gets_the_same_answer_in_a_similar_time_as_a_wrong_password()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login) = await Accounts.CreateAsync(host);
        using var browser = new Browser(host);
        await browser.PasswordAsync("warm-up", "warm-up-password");

        var known = new List<TimeSpan>();
        var unknown = new List<TimeSpan>();
        string? knownBody = null;
        string? unknownBody = null;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            var wrong = await browser.PasswordAsync(login, "not-the-password");
            known.Add(watch.Elapsed);
            watch.Restart();
            var nobody = await browser.PasswordAsync("nobody-" + i, "not-the-password");
            unknown.Add(watch.Elapsed);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, nobody.StatusCode);
            knownBody = Without(await wrong.Content.ReadAsStringAsync(), "traceId");
            unknownBody = Without(await nobody.Content.ReadAsStringAsync(), "traceId");
            Assert.Equal(wrong.Headers.Select(h => h.Key).Order(), nobody.Headers.Select(h => h.Key).Order());
        }

        Assert.Equal(knownBody, unknownBody);

        // Both derive a 600,000-iteration key: the medians differ by far less than the derivation takes.
        var knownMedian = known.Order().ElementAt(1);
        var unknownMedian = unknown.Order().ElementAt(1);
        Assert.True(unknownMedian > knownMedian * 0.5 && unknownMedian < knownMedian * 2, $"known {knownMedian.TotalMilliseconds} ms, unknown {unknownMedian.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_recovery_code_signs_in_once_only()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, _, codes) = await Accounts.EnrolledAsync(host);
        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct().Count());
        using var first = new Browser(host);
        await first.PasswordAsync(login, Accounts.Password);
        Assert.Equal(HttpStatusCode.SeeOther, (await first.CodeAsync(codes[3].ToLowerInvariant())).StatusCode);

        using var second = new Browser(host);
        await second.PasswordAsync(login, Accounts.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, (await second.CodeAsync(codes[3])).StatusCode);
        Assert.Equal(HttpStatusCode.SeeOther, (await second.CodeAsync(codes[4])).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session_even_for_a_copied_cookie()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, secret, _) = await Accounts.EnrolledAsync(host);
        using var browser = new Browser(host);
        await browser.PasswordAsync(login, Accounts.Password);
        await browser.CodeAsync(browser.CodeNow(secret));
        using var copy = new Browser(host);
        copy.Cookies.Add(host.Address, browser.Cookies.GetCookies(host.Address)[IdentityAuthentication.SessionCookie]!);
        Assert.Equal(HttpStatusCode.OK, (await copy.JournalAsync()).StatusCode);

        host.Clock.Advance(Duration.FromSeconds(1));
        var signOut = await browser.PostFormAsync("/account/sign-out");

        Assert.Equal(HttpStatusCode.SeeOther, signOut.StatusCode);
        Assert.Null(browser.Cookies.GetCookies(host.Address)[IdentityAuthentication.SessionCookie]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.JournalAsync()).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.JournalAsync()).StatusCode);
        Assert.Single((await Events(host, login)).OfType<SignedOut>());
    }

    [Fact]
    public async Task A_session_ends_after_thirty_idle_minutes_and_twelve_hours_in_any_case()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login, secret, _) = await Accounts.EnrolledAsync(host);
        using var idle = new Browser(host);
        await idle.PasswordAsync(login, Accounts.Password);
        await idle.CodeAsync(idle.CodeNow(secret));
        host.Clock.Advance(Duration.FromMinutes(20));
        Assert.Equal(HttpStatusCode.OK, (await idle.JournalAsync()).StatusCode);
        host.Clock.Advance(Duration.FromMinutes(31));
        Assert.Equal(HttpStatusCode.Unauthorized, (await idle.JournalAsync()).StatusCode);

        using var busy = new Browser(host);
        await busy.PasswordAsync(login, Accounts.Password);
        await busy.CodeAsync(busy.CodeNow(secret));
        for (var minutes = 0; minutes < 12 * 60; minutes += 20)
        {
            host.Clock.Advance(Duration.FromMinutes(20));
            var status = (await busy.JournalAsync()).StatusCode;
            Assert.True(minutes + 20 <= 12 * 60 ? status == HttpStatusCode.OK : status == HttpStatusCode.Unauthorized, $"after {minutes + 20} min: {status}");
        }

        host.Clock.Advance(Duration.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Unauthorized, (await busy.JournalAsync()).StatusCode);
    }

    [Fact]
    public async Task A_form_without_a_valid_anti_forgery_token_is_refused_and_changes_nothing()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login) = await Accounts.CreateAsync(host);
        using var browser = new Browser(host);

        var without = await browser.PostFormAsync("/account/sign-in", false, ("login", login), ("password", "wrong-password"));
        var forged = await browser.PostFormAsync("/account/sign-in", false, ("login", login), ("password", "wrong-password"), (IdentityAuthentication.AntiforgeryField, "forged"));

        foreach (var answer in new[] { without, forged })
        {
            Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
            var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(IdentityAuthentication.AntiforgeryField, problem.GetProperty("field").GetString());
        }

        Assert.Empty((await Events(host, login)).OfType<SignInFailed>());
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await browser.Http.PostAsJsonAsync("/account/sign-in", new { login, password = "x" })).StatusCode);
    }

    [Fact]
    public async Task Bearer_tokens_work_as_before_and_win_over_a_session_cookie()
    {
        await using var host = await LedgerHost.StartAsync();
        var (patient, login, secret, _) = await Accounts.EnrolledAsync(host);
        var other = await Patients.Seed.PatientAsync(host);
        using var browser = new Browser(host);
        await browser.PasswordAsync(login, Accounts.Password);
        await browser.CodeAsync(browser.CodeNow(secret));
        var token = host.Services.GetRequiredService<TokenService>().Issue(Roles.Patient, other, Duration.FromHours(1));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/patients/me");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

        var withBoth = await browser.Http.SendAsync(request);
        using var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/patients/me");
        bad.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-a-token");
        var badBearer = await browser.Http.SendAsync(bad);

        Assert.Equal(other, (await withBoth.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("patientId").GetGuid());
        Assert.Equal(HttpStatusCode.Unauthorized, badBearer.StatusCode);
        Assert.NotEqual(other, patient);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.GetAsync(new Uri("/api/v1/patients/me", UriKind.Relative))).StatusCode);
    }

    internal static async Task<IReadOnlyList<object>> Events(LedgerHost host, string login)
    {
        var patient = await host.Services.GetRequiredService<AccountDirectory>().FindAsync(login) ?? throw new InvalidOperationException("no account " + login);
        var store = Patients.Seed.Store(host);
        return [.. (await store.ReadStreamAsync(StreamIds.Account(patient))).Select(store.Deserialize)];
    }

    private static string Without(string json, string property)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node.Remove(property);
        return node.ToJsonString();
    }
}
