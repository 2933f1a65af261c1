using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ledger.App.Cli;
using Ledger.App.Identity;
using Ledger.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit;

namespace Ledger.App.Tests.Identity;

public sealed class IdentityConfigurationTests
{
    [Fact]
    public async Task An_OpenID_Connect_provider_in_the_configuration_registers_its_scheme_and_turns_the_own_sign_in_off()
    {
        await using var host = await LedgerHost.StartAsync(b =>
        {
            b.Configuration["Ledger:Identity:OpenIdConnect:Authority"] = "https://id.portal.example";
            b.Configuration["Ledger:Identity:OpenIdConnect:ClientId"] = "ledger-cabinet";
            b.Configuration["Ledger:Identity:OpenIdConnect:ClientSecret"] = "s3cret";
            b.Configuration["Ledger:Identity:OpenIdConnect:PatientClaim"] = "snils";
            b.Configuration["Ledger:Identity:OpenIdConnect:PatientClaimKind"] = "Snils";
        });
        var (_, login) = await Accounts.CreateAsync(host);

        var scheme = await host.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(IdentityAuthentication.OpenIdConnectScheme);
        var options = host.Services.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(IdentityAuthentication.OpenIdConnectScheme);
        var settings = host.Services.GetRequiredService<IdentitySettings>();
        using var browser = new Browser(host);
        var signIn = await browser.PasswordAsync(login, Accounts.Password);

        Assert.Equal(typeof(OpenIdConnectHandler), scheme!.HandlerType);
        Assert.Equal("https://id.portal.example", options.Authority);
        Assert.Equal("ledger-cabinet", options.ClientId);
        Assert.Equal("s3cret", options.ClientSecret);
        Assert.Equal(IdentityAuthentication.SessionScheme, options.SignInScheme);
        Assert.True(options.UsePkce);
        Assert.Equal(new OpenIdConnectSettings("https://id.portal.example", "ledger-cabinet", "s3cret", "snils", PatientClaimKind.Snils, "/account/oidc/callback"), settings.OpenIdConnect);
        Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
        Assert.Contains("OpenID Connect", (await signIn.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_provider_there_is_no_OpenID_Connect_scheme()
    {
        await using var host = await LedgerHost.StartAsync();

        Assert.Null(await host.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(IdentityAuthentication.OpenIdConnectScheme));
        Assert.True(host.Services.GetRequiredService<IdentitySettings>().OwnSignIn);
    }

    [Theory]
    [InlineData("Ledger:Identity:PasswordIterations", "100000", "PasswordIterations must be at least 600000")]
    [InlineData("Ledger:Identity:SameSite", "None", "SameSite must be Strict or Lax")]
    [InlineData("Ledger:Identity:OpenIdConnect:Authority", "http://id.example", "must be an absolute https address")]
    [InlineData("Ledger:Identity:Lockout:MaxFailures", "many", "MaxFailures must be a positive whole number")]
    public void A_setting_that_cannot_be_read_is_refused_with_its_key(string key, string value, string message)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();

        var refusal = Assert.Throws<InvalidOperationException>(() => IdentitySettings.From(configuration));

        Assert.Contains(message, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_the_documented_ones()
    {
        var settings = IdentitySettings.From(new ConfigurationBuilder().Build());

        Assert.Equal("Моё здоровье", settings.Issuer);
        Assert.Equal(600_000, settings.PasswordIterations);
        Assert.Equal(new Domain.Identity.LockoutPolicy(5, NodaTime.Duration.FromMinutes(15), NodaTime.Duration.FromMinutes(15)), settings.Lockout);
        Assert.Equal(NodaTime.Duration.FromMinutes(30), settings.SessionIdle);
        Assert.Equal(NodaTime.Duration.FromHours(12), settings.SessionLimit);
        Assert.Equal(Microsoft.AspNetCore.Http.SameSiteMode.Strict, settings.SameSite);
    }

    [Fact]
    public async Task The_account_command_refuses_a_patient_that_is_not_registered_and_a_command_line_it_cannot_read()
    {
        var cluster = await PostgresCluster.SharedAsync();
        var connection = await cluster.CreateDatabaseAsync("account");
        try
        {
            using var error = new StringWriter();
            var unknown = await LedgerProgram.RunAsync(["account", "create", "--patient", Guid.NewGuid().ToString(), "--login", "anna", "--connection", connection], FakeClock.At(2026, 3, 2), TextWriter.Null, error);
            using var usage = new StringWriter();
            var noAction = await LedgerProgram.RunAsync(["account", "--patient", Guid.NewGuid().ToString()], FakeClock.At(2026, 3, 2), TextWriter.Null, usage);

            Assert.Equal(1, unknown);
            Assert.Contains("account.patient_not_found", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(2, noAction);
            Assert.Contains("account needs an action", usage.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DropDatabaseAsync(connection);
        }
    }
}
