using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Identity;
using Ledger.Domain.Identifiers;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Ledger.App.Tests.Identity;

/// <summary>
/// A client that behaves like a browser towards the sign-in forms: it keeps cookies, does not follow redirects, sends a
/// user agent, and posts forms with the anti-forgery token it fetched. Every answer is checked against the OpenAPI document.
/// </summary>
internal sealed class Browser : IDisposable
{
    public const string Agent = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";

    private readonly LedgerHost host;

    public Browser(LedgerHost host, string userAgent = Agent)
    {
        this.host = host;
        Handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = Cookies };
        Http = new HttpClient(new ContractCheckingHandler(host.Address, Handler)) { BaseAddress = host.Address };
        Http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
    }

    public CookieContainer Cookies { get; } = new();

    public SocketsHttpHandler Handler { get; }

    public HttpClient Http { get; }

    /// <summary>Posts a form with a fresh anti-forgery token (unless <paramref name="withToken"/> is false).</summary>
    public async Task<HttpResponseMessage> PostFormAsync(string path, bool withToken = true, params (string Name, string Value)[] fields)
    {
        var all = fields.ToList();
        if (withToken)
        {
            var token = await Http.GetFromJsonAsync<JsonElement>("/account/antiforgery");
            all.Add((token.GetProperty("fieldName").GetString()!, token.GetProperty("token").GetString()!));
        }

        using var content = new FormUrlEncodedContent(all.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        return await Http.PostAsync(new Uri(path, UriKind.Relative), content);
    }

    public Task<HttpResponseMessage> PasswordAsync(string login, string password) =>
        PostFormAsync("/account/sign-in", true, ("login", login), ("password", password));

    public Task<HttpResponseMessage> CodeAsync(string code) =>
        PostFormAsync("/account/sign-in/second-factor", true, ("code", code));

    /// <summary>The patient's own journal through the session cookie.</summary>
    public Task<HttpResponseMessage> JournalAsync() => Http.GetAsync(new Uri("/api/v1/patients/me/sign-ins", UriKind.Relative));

    /// <summary>The current 6-digit code of <paramref name="secret"/> at the host's clock.</summary>
    public string CodeNow(string secret) => TotpCodes.Compute(secret, host.Clock.GetCurrentInstant());

    public void Dispose() => Http.Dispose();
}

/// <summary>Accounts for the sign-in tests.</summary>
internal static class Accounts
{
    public const string Password = "Kaštan-Lipa-2026";

    public static IdentityService Identity(LedgerHost host) => host.Services.GetRequiredService<IdentityService>();

    /// <summary>A registered patient with an account (no authenticator yet); answers the patient and the login.</summary>
    public static async Task<(Guid Patient, string Login)> CreateAsync(LedgerHost host)
    {
        var patient = await Patients.Seed.PatientAsync(host);
        var login = "user-" + patient.ToString("N")[..8];
        await Identity(host).CreateAccountAsync(new PatientId(patient), login, Password);
        return (patient, login);
    }

    /// <summary>A first sign-in through the forms: password, enrolment, confirmation. Answers the secret and the recovery codes.</summary>
    public static async Task<(string Secret, IReadOnlyList<string> RecoveryCodes)> EnrolAsync(LedgerHost host, Browser browser, string login)
    {
        var password = await browser.PasswordAsync(login, Password);
        Assert.Equal(HttpStatusCode.SeeOther, password.StatusCode);
        Assert.Equal(IdentityEndpoints.EnrolPath, password.Headers.Location!.OriginalString);
        var enrol = await browser.PostFormAsync(IdentityEndpoints.EnrolPath);
        Assert.Equal(HttpStatusCode.OK, enrol.StatusCode);
        var secret = (await enrol.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var confirm = await browser.PostFormAsync("/account/totp/confirm", true, ("code", browser.CodeNow(secret)));
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var codes = (await confirm.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("recoveryCodes").EnumerateArray().Select(c => c.GetString()!).ToList();

        // The next code belongs to the next step: the one that confirmed the authenticator is used up.
        host.Clock.Advance(NodaTime.Duration.FromSeconds(TotpCodes.StepSeconds));
        return (secret, codes);
    }

    /// <summary>An enrolled account, signed out: answers the patient, the login and the secret.</summary>
    public static async Task<(Guid Patient, string Login, string Secret, IReadOnlyList<string> RecoveryCodes)> EnrolledAsync(LedgerHost host)
    {
        var (patient, login) = await CreateAsync(host);
        using var first = new Browser(host);
        var (secret, codes) = await EnrolAsync(host, first, login);
        return (patient, login, secret, codes);
    }
}
