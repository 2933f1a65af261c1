using System.Text.RegularExpressions;
using Ledger.App.Identity;
using Ledger.App.Streams;
using Ledger.App.Tests.Identity;
using Ledger.App.Tests.Patients;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Identity;
using Ledger.Domain.MedicalCard;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NodaTime;
using OtpNet;
using Xunit;

namespace Ledger.App.Tests.Web;

/// <summary>The cabinet's own sign-in in a real browser (password, TOTP, recovery codes, lock-out, sign-out) and «Медкарта».</summary>
[Collection(BrowserCollection.Name)]
public sealed class SignInPageTests(BrowserFixture fixture)
{
    private const string RefusedText = "Неверный логин, пароль или код";

    private LedgerHost Host => fixture.Host;

    /// <summary>The current code of a base32 secret at the host's clock, computed by Otp.NET itself.</summary>
    private string CodeOf(string secret) =>
        new Totp(Base32Encoding.ToBytes(secret.Replace(" ", string.Empty, StringComparison.Ordinal))).ComputeTotp(Host.Clock.GetCurrentInstant().ToDateTimeUtc());

    private static async Task PasswordAsync(IPage page, string login, string password)
    {
        await page.GetByLabel("Логин").FillAsync(login);
        await page.GetByLabel("Пароль").FillAsync(password);
        await page.ClickAsync("form.sign-in button[type=submit]");
    }

    private static async Task CodeAsync(IPage page, string code)
    {
        await page.FillAsync("#code", code);
        await page.ClickAsync("form.sign-in button[type=submit]");
    }

    /// <summary>A patient with an account (as `ledger account create` opens it); the login is unique in the shared host.</summary>
    private async Task<(Guid Patient, string Login)> AccountAsync(string prefix)
    {
        var patient = await Seed.PatientAsync(Host);
        var login = prefix + "-" + patient.ToString("N")[^12..];
        await Host.Services.GetRequiredService<IdentityService>().CreateAccountAsync(new PatientId(patient), login, Accounts.Password);
        return (patient, login);
    }

    /// <summary>An account whose authenticator was enrolled through the form endpoints, signed out: the login and the secret.</summary>
    private async Task<(string Login, string Secret)> EnrolledAsync()
    {
        var (_, login) = await AccountAsync("web");
        using var first = new Browser(Host);
        var (secret, _) = await Accounts.EnrolAsync(Host, first, login);
        return (login, secret);
    }

    private static string PathOf(IPage page) => new Uri(page.Url).PathAndQuery;

    [Fact]
    public async Task A_password_and_a_totp_code_sign_in_and_a_wrong_code_is_refused_in_words()
    {
        var (login, secret) = await EnrolledAsync();
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/trends");
        Assert.Equal("/account/sign-in?returnUrl=%2Ftrends", PathOf(page));
        Assert.Equal("/trends", await page.InputValueAsync("input[name=returnUrl]"));
        await BrowserFixture.ScreenshotAsync(page, "sign-in");
        await PasswordAsync(page, login, Accounts.Password);

        Assert.Equal("/account/sign-in/second-factor?returnUrl=%2Ftrends", PathOf(page));
        await BrowserFixture.ScreenshotAsync(page, "second-factor");
        var right = CodeOf(secret);
        await CodeAsync(page, right == "000000" ? "111111" : "000000");
        Assert.Equal("/account/sign-in/second-factor?error=refused&returnUrl=%2Ftrends", PathOf(page));
        Assert.Contains(RefusedText, await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        await CodeAsync(page, right);
        Assert.Equal("/trends", PathOf(page));
        Assert.Equal("page", await page.Locator("nav a[href='/trends']").GetAttributeAsync("aria-current"));
        var session = (await context.CookiesAsync()).Single(c => c.Name == IdentityAuthentication.SessionCookie);
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

        // A session idle past its limit is over: the page sends the visitor to sign in again.
        Host.Clock.Advance(new IdentitySettings().SessionIdle + Duration.FromMinutes(1));
        await page.GotoAsync("/consents");
        Assert.Equal("/account/sign-in?returnUrl=%2Fconsents", PathOf(page));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_login_get_the_same_message_without_the_credential_in_the_address()
    {
        var (_, login) = await AccountAsync("pwd");
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/sign-in");
        await PasswordAsync(page, login, "Wrong-Password-2026");
        var wrong = await page.Locator("[role=alert]").InnerTextAsync();
        Assert.Equal("/account/sign-in?error=refused", PathOf(page));

        await PasswordAsync(page, "nobody-" + login, "Wrong-Password-2026");
        Assert.Equal("/account/sign-in?error=refused", PathOf(page));
        Assert.Equal(wrong, await page.Locator("[role=alert]").InnerTextAsync());
        Assert.Contains(RefusedText, wrong, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repeated_failures_lock_the_account_and_the_sign_in_journal_shows_the_lock_out()
    {
        var (login, secret) = await EnrolledAsync();
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");

        for (var i = 0; i < LockoutPolicy.Default.MaxFailures; i++)
        {
            await PasswordAsync(page, login, "Wrong-Password-" + i);
            Assert.Contains(RefusedText, await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        }

        // Locked: the right password is refused with the same words.
        await PasswordAsync(page, login, Accounts.Password);
        Assert.Equal("/account/sign-in?error=refused", PathOf(page));
        Assert.Contains(RefusedText, await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        Host.Clock.Advance(LockoutPolicy.Default.LockFor + Duration.FromMinutes(1));
        await PasswordAsync(page, login, Accounts.Password);
        await CodeAsync(page, CodeOf(secret));
        Assert.Equal("/", PathOf(page));
        await Seed.CatchUpAsync(Host);

        await page.GotoAsync("/sign-ins");
        var locked = page.Locator("tr[data-outcome=locked]");
        Assert.Equal(1, await locked.CountAsync());
        Assert.Contains("Вход заблокирован до", await locked.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(LockoutPolicy.Default.MaxFailures + 1, await page.Locator("tr[data-outcome=failed]").CountAsync());
        // The first sign-in (with the enrolment) and this one.
        Assert.Equal(2, await page.Locator("tr[data-outcome=signedIn]").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "sign-in-journal");
    }

    [Fact]
    public async Task Enrolment_shows_the_qr_code_and_the_recovery_codes_once_and_a_recovery_code_signs_in_after_sign_out()
    {
        // As `ledger account create` does: an account with a password and no authenticator yet.
        var (_, login) = await AccountAsync("enrol");
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/sign-in");
        await PasswordAsync(page, login, Accounts.Password);
        Assert.Equal(IdentityEndpoints.EnrolPath, PathOf(page));
        Assert.Equal(1, await page.Locator(".qr-code svg").CountAsync());
        var uri = await page.InnerTextAsync("#totp-uri");
        var secret = await page.InnerTextAsync("#totp-secret");
        Assert.StartsWith("otpauth://totp/", uri, StringComparison.Ordinal);
        Assert.Contains("secret=" + secret.Replace(" ", string.Empty, StringComparison.Ordinal), uri, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "totp-enrol");

        // A reload shows the same pending secret.
        await page.ReloadAsync();
        Assert.Equal(secret, await page.InnerTextAsync("#totp-secret"));

        await page.FillAsync("#code", CodeOf(secret));
        await page.ClickAsync("form.sign-in button[type=submit]");
        Assert.Equal(IdentityEndpoints.RecoveryCodesPath, PathOf(page));
        var codes = await page.Locator("ol.recovery-codes li").AllInnerTextsAsync();
        Assert.Equal(RecoveryCodes.Count, codes.Count);
        Assert.All(codes, c => Assert.Matches(new Regex("^[A-Z2-9]{5}-[A-Z2-9]{5}$"), c.Trim()));
        Assert.DoesNotContain(codes[0].Trim(), page.Url, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "recovery-codes");
        await page.ReloadAsync();
        Assert.Equal(0, await page.Locator("ol.recovery-codes li").CountAsync());

        await page.ClickAsync("text=Перейти в кабинет");
        Assert.Equal("/", PathOf(page));
        await page.ClickAsync("form.sign-out button");
        Assert.Equal("/account/sign-in?done=signed-out", PathOf(page));
        Assert.Contains("Вы вышли", await page.Locator("[role=status]").InnerTextAsync(), StringComparison.Ordinal);

        await page.GotoAsync("/medical-card");
        Assert.Equal("/account/sign-in?returnUrl=%2Fmedical-card", PathOf(page));
        Host.Clock.Advance(Duration.FromSeconds(TotpCodes.StepSeconds));
        await PasswordAsync(page, login, Accounts.Password);
        await CodeAsync(page, codes[2].Trim().ToLowerInvariant());
        Assert.Equal("/medical-card", PathOf(page));
        Assert.Equal("page", await page.Locator("nav a[href='/medical-card']").GetAttributeAsync("aria-current"));
    }

    [Fact]
    public async Task A_return_address_on_another_site_is_replaced_by_the_cabinet()
    {
        var (login, secret) = await EnrolledAsync();
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/account/sign-in?returnUrl=" + Uri.EscapeDataString("https://evil.example/"));
        Assert.Equal("/", await page.InputValueAsync("input[name=returnUrl]"));

        // Even a form edited to carry another site (or a protocol-relative address) ends in the cabinet.
        await page.EvalOnSelectorAsync("input[name=returnUrl]", "e => e.value = '//evil.example/steal'");
        await PasswordAsync(page, login, Accounts.Password);
        Assert.Equal(IdentityEndpoints.SecondFactorPath, PathOf(page));
        await page.EvalOnSelectorAsync("input[name=returnUrl]", "e => e.value = '/\\\\evil.example/steal'");
        await CodeAsync(page, CodeOf(secret));
        Assert.Equal(Host.Address.Authority, new Uri(page.Url).Authority);
        Assert.Equal("/", PathOf(page));
    }

    [Fact]
    public async Task The_sign_in_form_is_reached_by_tab_in_order_and_its_labels_name_the_inputs()
    {
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync("/account/sign-in");

        var order = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            order.Add(await page.EvaluateAsync<string>("document.activeElement.id || document.activeElement.tagName + ':' + document.activeElement.textContent.trim()"));
        }

        Assert.Equal(["A:Перейти к содержимому", "login", "password", "BUTTON:Войти"], order.Take(4));
        Assert.Equal("login", await page.GetByLabel("Логин").GetAttributeAsync("id"));
        Assert.Equal("username", await page.GetByLabel("Логин").GetAttributeAsync("autocomplete"));
        Assert.Equal("current-password", await page.GetByLabel("Пароль").GetAttributeAsync("autocomplete"));
        Assert.Equal(1, await page.Locator($"form.sign-in input[type=hidden][name={IdentityAuthentication.AntiforgeryField}]").CountAsync());
    }

    [Fact]
    public async Task The_medical_card_shows_delivered_entries_apart_from_a_condition_the_patient_adds_by_form()
    {
        var patient = await Seed.PatientAsync(Host);
        var lab = await WebSeed.LaboratoryAsync(Host);
        var executor = Host.Services.GetRequiredService<CommandExecutor>();
        var me = new PatientId(patient);
        await executor.ExecuteAsync(Deciders.MedicalCard, StreamIds.MedicalCard(me),
            new RecordCondition(me, Guid.CreateVersion7(), lab, "fhir:cond-1",
                new ConditionDetails(new CardCode("http://hl7.org/fhir/sid/icd-10", "E11", "Сахарный диабет 2 типа"), "Сахарный диабет 2 типа", "active", "confirmed", "problem-list-item", new LocalDate(2019, 4, 1), null, "Смирнова О. В.", null, null)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await executor.ExecuteAsync(Deciders.MedicalCard, StreamIds.MedicalCard(me),
            new RecordAllergy(me, Guid.CreateVersion7(), lab, "fhir:allergy-1",
                new AllergyDetails(null, "Пенициллин", "active", "confirmed", "allergy", "medication", "high", null, null, null, null, "крапивница", null)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await WebSeed.StudyAsync(Host, patient, lab);
        var vaccination = new DocumentId(Guid.CreateVersion7());
        await executor.ExecuteAsync(Deciders.Result, StreamIds.Result(vaccination),
            new RecordVaccination(vaccination, PatientRef.Resolved(me), lab, "DLV-" + vaccination.Value.ToString("N"), new Vaccination(new LocalDate(2025, 10, 14), "Гам-КОВИД-Вак", "II-1025", "НИЦЭМ им. Н. Ф. Гамалеи", 1, lab)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/medical-card");
        Assert.Contains("Сахарный диабет 2 типа", await page.Locator("table.conditions.clinic").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Пенициллин", await page.Locator("table.allergies").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Гам-КОВИД-Вак", await page.Locator("table.vaccinations").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("Повторить через год.", await page.Locator("table.recommendations").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("table.conditions.patient").CountAsync());
        Assert.Equal("/api/v1/patients/me/downloads/medical-card.pdf", await page.GetByText("Скачать медкарту (PDF)").GetAttributeAsync("href"));

        // Without the condition's name the form is shown again with the reason, and nothing is stored.
        var refused = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("form.stack button[type=submit]"), r => r.Request.Method == "POST");
        Assert.Equal(400, refused.Status);
        Assert.Contains("Заболевание", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Заболевание", new PageGetByLabelOptions { Exact = true }).FillAsync("Гипертоническая болезнь");
        await page.GetByLabel("С какого времени").FillAsync("2024-09-01");
        await page.ClickAsync("form.stack button[type=submit]");
        Assert.Equal("/medical-card?added=1", PathOf(page));
        await Seed.CatchUpAsync(Host);
        await page.GotoAsync("/medical-card");
        var own = await page.Locator("table.conditions.patient").InnerTextAsync();
        Assert.Contains("Гипертоническая болезнь", own, StringComparison.Ordinal);
        Assert.Contains("со слов пациента", own, StringComparison.Ordinal);
        Assert.DoesNotContain("Гипертоническая болезнь", await page.Locator("table.conditions.clinic").InnerTextAsync(), StringComparison.Ordinal);
        var card = await Host.Services.GetRequiredService<Ledger.App.MedicalCard.MedicalCardQueries>().GetAsync(patient);
        Assert.Equal("patient", Assert.Single(card.Conditions, c => c.Text == "Гипертоническая болезнь").Source);
        await BrowserFixture.ScreenshotAsync(page, "medical-card");
    }

    [Fact]
    public async Task A_signed_in_session_downloads_the_medical_card_as_a_pdf_whose_cyrillic_text_pdftotext_reads()
    {
        var (patient, login) = await AccountAsync("card");
        string secret;
        using (var first = new Browser(Host))
        {
            (secret, _) = await Accounts.EnrolAsync(Host, first, login);
        }

        var me = new PatientId(patient);
        var lab = await WebSeed.LaboratoryAsync(Host);
        await Host.Services.GetRequiredService<CommandExecutor>().ExecuteAsync(Deciders.MedicalCard, StreamIds.MedicalCard(me),
            new RecordAllergy(me, Guid.CreateVersion7(), lab, "fhir:allergy-pdf",
                new AllergyDetails(null, "Пенициллин", "active", "confirmed", "allergy", "medication", "high", null, null, null, null, "крапивница", null)),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        // Signed in through the pages only: no bearer token in this context, the session cookie opens the download.
        await page.GotoAsync("/medical-card");
        await PasswordAsync(page, login, Accounts.Password);
        Assert.StartsWith("/account/sign-in/second-factor", PathOf(page), StringComparison.Ordinal);
        await CodeAsync(page, CodeOf(secret));
        Assert.Equal("/medical-card", PathOf(page));
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByText("Скачать медкарту (PDF)").ClickAsync());
        var pdf = Path.Combine(Path.GetTempPath(), "ledger-card-" + Guid.NewGuid().ToString("N") + ".pdf");
        await download.SaveAsAsync(pdf);
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/pdftotext") { RedirectStandardOutput = true };
            foreach (var argument in new[] { "-layout", pdf, "-" })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            var text = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.Equal(0, process.ExitCode);
            Assert.Contains("Пенициллин", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(pdf);
        }

        Assert.Contains(await Seed.AccessesAsync(Host, patient), a => a.Purpose.StartsWith("download", StringComparison.Ordinal));
    }
}
