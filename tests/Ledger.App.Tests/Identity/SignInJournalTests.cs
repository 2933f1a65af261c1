using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Identity;
using Ledger.Domain.Identifiers;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;
using Xunit;

namespace Ledger.App.Tests.Identity;

public sealed class SignInJournalTests
{
    [Fact]
    public async Task The_journal_lists_every_sign_in_failure_lock_out_and_sign_out_with_address_and_user_agent()
    {
        await using var host = await LedgerHost.StartAsync(b => b.Configuration["Ledger:Identity:Lockout:MaxFailures"] = "2");
        var (patient, login, secret, codes) = await Accounts.EnrolledAsync(host);
        using var phone = new Browser(host, "Mozilla/5.0 (Linux; Android 15) Chrome/141.0 Mobile");
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.PasswordAsync(login, "wrong-password-1")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.PasswordAsync(login, "wrong-password-2")).StatusCode);
        host.Clock.Advance(Duration.FromMinutes(15));
        await phone.PasswordAsync(login, Accounts.Password);
        Assert.Equal(HttpStatusCode.SeeOther, (await phone.CodeAsync(codes[0])).StatusCode);
        host.Clock.Advance(Duration.FromSeconds(30));
        await phone.PostFormAsync("/account/sign-out");
        host.Clock.Advance(Duration.FromSeconds(30));
        using var desktop = new Browser(host);
        await desktop.PasswordAsync(login, Accounts.Password);
        await desktop.CodeAsync(desktop.CodeNow(secret));
        await Patients.Seed.CatchUpAsync(host);

        var answer = await desktop.JournalAsync();
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var journal = await answer.Content.ReadFromJsonAsync<JsonElement>();
        var items = journal.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(7, journal.GetProperty("total").GetInt64());
        Assert.Equal(["signedIn", "signedOut", "signedIn", "locked", "failed", "failed", "signedIn"], items.Select(i => i.GetProperty("outcome").GetString()));
        Assert.Equal("totp", items[0].GetProperty("method").GetString());
        Assert.Equal("recoveryCode", items[2].GetProperty("method").GetString());
        Assert.Equal("password", items[4].GetProperty("reason").GetString());
        Assert.Equal("totpEnrolment", items[6].GetProperty("method").GetString());
        Assert.True(items[3].TryGetProperty("lockedUntil", out _));
        Assert.All(items, i => Assert.Equal("127.0.0.1", i.GetProperty("address").GetString()));
        Assert.Equal(Browser.Agent, items[0].GetProperty("userAgent").GetString());
        Assert.All(items.Skip(1).Take(5), i => Assert.Contains("Android 15", i.GetProperty("userAgent").GetString(), StringComparison.Ordinal));

        var second = await (await desktop.Http.GetAsync(new Uri("/api/v1/patients/me/sign-ins?page=2&pageSize=5", UriKind.Relative))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, second.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await desktop.Http.GetAsync(new Uri("/api/v1/patients/me/sign-ins?pageSize=0", UriKind.Relative))).StatusCode);

        // The page's query class answers the same.
        var page = await host.Services.GetRequiredService<SignInJournalQueries>().PageAsync(patient, 1, 50);
        Assert.Equal(7, page.Items.Count);
    }

    [Fact]
    public async Task A_patient_sees_only_the_own_sign_ins()
    {
        await using var host = await LedgerHost.StartAsync();
        var (_, login) = await Accounts.CreateAsync(host);
        using var browser = new Browser(host);
        await browser.PasswordAsync(login, "wrong-password-1");
        await Patients.Seed.CatchUpAsync(host);
        using var other = host.ClientAs(Security.Roles.Patient, await Patients.Seed.PatientAsync(host));

        var journal = await other.GetFromJsonAsync<JsonElement>("/api/v1/patients/me/sign-ins");

        Assert.Equal(0, journal.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Nothing_secret_or_personal_of_a_sign_in_is_in_the_clear_in_the_event_tables()
    {
        await using var host = await LedgerHost.StartAsync();
        var (patient, login, secret, codes) = await Accounts.EnrolledAsync(host);
        using var browser = new Browser(host, "Mozilla/5.0 Unusual-Browser/77.7");
        await browser.PasswordAsync(login, "wrong-password-1");
        await browser.PasswordAsync(login, Accounts.Password);
        await browser.CodeAsync(codes[0]);
        await browser.PostFormAsync("/account/sign-out");
        var state = await Accounts.Identity(host).StateAsync(new PatientId(patient));
        string[] secrets = [login, Accounts.Password, "wrong-password-1", secret, codes[0], codes[0].Replace("-", string.Empty, StringComparison.Ordinal), state.Password!.Salt, state.Password.Hash, state.RecoveryCodeHashes[1], "Unusual-Browser", "127.0.0.1"];

        await using var dataSource = NpgsqlDataSource.Create(host.ConnectionString);
        var rows = new List<string>();
        foreach (var table in new[] { "mt_events", "mt_streams", "account_logins" })
        {
            await using var command = dataSource.CreateCommand($"SELECT t::text FROM ledger.{table} t");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(table + ": " + reader.GetString(0));
            }
        }

        Assert.True(rows.Count(r => r.StartsWith("mt_events", StringComparison.Ordinal)) >= 6);
        var leaks = secrets.SelectMany(s => rows.Where(r => r.Contains(s, StringComparison.OrdinalIgnoreCase)).Select(r => $"'{s}' in {r[..Math.Min(120, r.Length)]}")).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));

        // The scan can fail: the decrypted events hold what the table does not show.
        var events = string.Join("\n", (await SignInTests.Events(host, login)).Select(e => JsonSerializer.Serialize(e, e.GetType(), Domain.Serialization.DomainJson.Options)));
        Assert.Contains("Unusual-Browser", events, StringComparison.Ordinal);
        Assert.Contains(secret, events, StringComparison.Ordinal);
    }
}
