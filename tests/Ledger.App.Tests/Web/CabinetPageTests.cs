using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ledger.App.Security;
using Ledger.App.Tests.Patients;
using Ledger.App.Web;
using Ledger.Domain.Identifiers;
using Ledger.Testing;
using Microsoft.Playwright;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Web;

/// <summary>The web cabinet in a real browser: every page a patient and a doctor open, as they use it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CabinetPageTests(BrowserFixture fixture)
{
    private LedgerHost Host => fixture.Host;

    /// <summary>A patient with three lab reports (one with a high glucose) and an ultrasound study.</summary>
    private async Task<(Guid Patient, OrganizationId Lab, Guid[] Reports, Guid Study)> PatientWithDocumentsAsync()
    {
        var patient = await Seed.PatientAsync(Host);
        var lab = await WebSeed.LaboratoryAsync(Host);
        var first = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-A1", Instant.FromUtc(2025, 11, 3, 6, 30), "Смирнова О. В.", 5.0m, cholesterol: 5.0m));
        var second = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-B2", Instant.FromUtc(2026, 1, 20, 6, 30), "Кузнецов И. П.", 5.5m));
        var third = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-C3", Instant.FromUtc(2026, 2, 27, 6, 30), "Смирнова О. В.", 6.8m, "H"));
        var study = await WebSeed.StudyAsync(Host, patient, lab);
        await Seed.CatchUpAsync(Host);
        return (patient, lab, [first, second, third], study);
    }

    private static async Task<IReadOnlyList<string>> RowsAsync(IPage page) =>
        await page.Locator("tbody tr[data-document]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.getAttribute('data-document'))");

    [Fact]
    public async Task The_documents_list_filters_and_searches_with_plain_get_forms_newest_first()
    {
        var (patient, _, reports, study) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        Assert.Equal([reports[2].ToString(), study.ToString(), reports[1].ToString(), reports[0].ToString()], await RowsAsync(page));
        await BrowserFixture.ScreenshotAsync(page, "documents");

        await page.FillAsync("#f-q", "кузнецов");
        await page.ClickAsync("form.filters button[type=submit]");
        Assert.Contains("q=", page.Url, StringComparison.Ordinal);
        Assert.Equal([reports[1].ToString()], await RowsAsync(page));

        await page.FillAsync("#f-q", "ORD-C3");
        await page.ClickAsync("form.filters button[type=submit]");
        Assert.Equal([reports[2].ToString()], await RowsAsync(page));

        await page.FillAsync("#f-q", "Глюкоза");
        await page.SelectOptionAsync("#f-type", "labReport");
        await page.FillAsync("#f-from", "2026-01-01");
        await page.FillAsync("#f-to", "2026-02-01");
        await page.ClickAsync("form.filters button[type=submit]");
        Assert.Equal([reports[1].ToString()], await RowsAsync(page));

        await page.GotoAsync("/?type=instrumentalStudy");
        Assert.Equal([study.ToString()], await RowsAsync(page));
        Assert.Equal("instrumentalStudy", await page.InputValueAsync("#f-type"));

        var lab = await page.Locator("#f-org option").Nth(1).GetAttributeAsync("value");
        await page.GotoAsync("/");
        await page.SelectOptionAsync("#f-org", lab!);
        await page.ClickAsync("form.filters button[type=submit]");
        Assert.Equal(4, (await RowsAsync(page)).Count);
        var byStatus = new List<string>();
        foreach (var status in new[] { "pending", "ready", "confirmed" })
        {
            await page.SelectOptionAsync("#f-status", status);
            await page.ClickAsync("form.filters button[type=submit]");
            byStatus.AddRange(await RowsAsync(page));
        }

        // Each document is listed under exactly one status.
        Assert.Equal(reports.Select(r => r.ToString()).Append(study.ToString()).Order(StringComparer.Ordinal), byStatus.Order(StringComparer.Ordinal));

        var refused = await page.GotoAsync("/?status=lost");
        Assert.Equal((int)HttpStatusCode.BadRequest, refused!.Status);
        Assert.Contains("status", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_list_pages_and_marks_documents_not_yet_opened_as_new()
    {
        var (patient, _, reports, _) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/?pageSize=3");
        Assert.Equal(3, (await RowsAsync(page)).Count);
        Assert.Equal(3, await page.Locator("tbody .new").CountAsync());
        await page.ClickAsync("a[rel=next]");
        Assert.Equal([reports[0].ToString()], await RowsAsync(page));
        Assert.Contains("pageSize=3", page.Url, StringComparison.Ordinal);

        await page.GotoAsync($"/documents/{reports[2]}");
        await Seed.CatchUpAsync(Host);
        await page.GotoAsync("/");
        Assert.Equal(0, await page.Locator($"tr[data-document='{reports[2]}'] .new").CountAsync());
        Assert.Equal(3, await page.Locator("tbody .new").CountAsync());
    }

    [Fact]
    public async Task A_lab_result_marks_the_out_of_range_row_in_words_and_shows_the_change_and_corrections()
    {
        var (patient, lab, reports, _) = await PatientWithDocumentsAsync();
        await WebSeed.CorrectAsync(Host, patient, reports[2], lab, WebSeed.Report(lab, "ORD-C3", Instant.FromUtc(2026, 2, 27, 6, 30), "Смирнова О. В.", 6.9m, "H"), "уточнено значение глюкозы");
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/documents/{reports[2]}");

        var glucose = page.Locator("table.observations tr", new PageLocatorOptions { HasText = "Глюкоза" });
        Assert.Contains("out-of-range", await glucose.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("↑ выше нормы", await glucose.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("+1,4", await glucose.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("3,9 – 6,1", await glucose.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("уточнено значение глюкозы", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "result");

        await page.GotoAsync($"/documents/{reports[0]}");
        var normal = page.Locator("table.observations tr", new PageLocatorOptions { HasText = "Глюкоза" });
        Assert.DoesNotContain("out-of-range", await normal.GetAttributeAsync("class") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("нет прошлых значений", await normal.InnerTextAsync(), StringComparison.Ordinal);

        var accesses = await Seed.AccessesAsync(Host, patient);
        Assert.Equal(2, accesses.Count(a => a.Purpose.StartsWith("view document", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_study_shows_its_conclusion_and_attachments()
    {
        var (patient, _, _, study) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/documents/{study}");

        Assert.Contains("Эхопризнаков патологии не выявлено.", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        Assert.Contains("узи-печень.jpg — изображение JPEG", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "study");
    }

    [Fact]
    public async Task The_trend_chart_has_one_point_per_value_shaped_by_flag_and_never_mixes_units()
    {
        var (patient, lab, _, _) = await PatientWithDocumentsAsync();
        await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-D4", Instant.FromUtc(2026, 2, 28, 6, 30), "Смирнова О. В.", 110m, "N", "mg/dL"));
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/trends");
        await BrowserFixture.ScreenshotAsync(page, "trends");
        await page.ClickAsync("a[href='/trends/2345-7?unit=mmol%2FL']");

        var points = page.Locator("svg.chart g.point");
        Assert.Equal(3, await points.CountAsync());
        Assert.Equal(["circle", "circle", "up"], await points.EvaluateAllAsync<string[]>("ps => ps.map(p => p.getAttribute('data-shape'))"));
        Assert.Equal(1, await page.Locator("svg.chart rect.band").CountAsync());
        Assert.Equal("mmol/L", await page.Locator("svg.chart").GetAttributeAsync("data-unit"));
        Assert.Contains("6,8 mmol/L, ↑ выше нормы", await points.Nth(2).Locator("title").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        await points.Nth(2).FocusAsync();
        Assert.Contains("↑ выше нормы", await page.EvaluateAsync<string>("document.activeElement.getAttribute('aria-label')"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "trend");

        await page.ClickAsync("nav[aria-label='Единицы измерения'] a:has-text('mg/dL')");
        Assert.Equal(1, await page.Locator("svg.chart g.point").CountAsync());
        Assert.Equal("mg/dL", await page.Locator("svg.chart").GetAttributeAsync("data-unit"));

        await page.GotoAsync("/trends/2345-7?unit=mmol%2FL&period=month");
        Assert.Equal(1, await page.Locator("svg.chart g.point").CountAsync());
        Assert.Equal("page", await page.Locator("nav.periods a:has-text('Месяц')").GetAttributeAsync("aria-current"));
    }

    [Fact]
    public async Task A_threshold_is_set_and_removed_with_forms()
    {
        var (patient, _, _, _) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/trends/2345-7?unit=mmol%2FL");
        await page.FillAsync("#t-low", "4");
        await page.FillAsync("#t-high", "5,8");
        await page.ClickAsync("text=Сохранить порог");
        Assert.Contains("Порог сохранён.", await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);
        Assert.Contains("от 4 до 5,8 mmol/L", await page.InnerTextAsync("main"), StringComparison.Ordinal);

        await page.GotoAsync("/settings");
        Assert.Contains("5,8", await page.InnerTextAsync("main table"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "settings");

        await page.GotoAsync("/trends/2345-7?unit=mmol%2FL");
        await page.FillAsync("#t-high", "много");
        var refused = await page.RunAndWaitForResponseAsync(() => page.ClickAsync("text=Сохранить порог"), r => r.Request.Method == "POST");
        Assert.Equal((int)HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("числа", await page.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);

        await page.ClickAsync("text=Удалить порог");
        Assert.Contains("Порог удалён.", await page.InnerTextAsync("[role=status]"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consent_granted_by_form_opens_the_share_page_to_the_doctor_until_it_is_revoked()
    {
        var (patient, _, reports, study) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/consents");
        await page.FillAsync("#g-surname", "Петров");
        await page.FillAsync("#g-given", "Алексей");
        await page.FillAsync("#g-snils", Seed.NewSnils());
        await page.FillAsync("#g-purpose", "консультация эндокринолога");
        await page.FillAsync("#g-until", "2026-03-10");
        await page.CheckAsync("#g-scope-types");
        await page.CheckAsync("#g-type-labReport");
        await page.ClickAsync("text=Открыть доступ и получить ссылку");
        var url = await page.InputValueAsync("#share-url");
        Assert.StartsWith(Host.Address.ToString().TrimEnd('/') + "/api/v1/shared/", url, StringComparison.Ordinal);
        Assert.True(await page.Locator("button[data-copy]").IsVisibleAsync());
        await BrowserFixture.ScreenshotAsync(page, "consents");

        await using var doctorContext = await fixture.AnonymousContextAsync();
        var doctor = await doctorContext.NewPageAsync();
        var shown = await doctor.GotoAsync(url);
        Assert.Equal((int)HttpStatusCode.OK, shown!.Status);
        Assert.StartsWith("text/html", shown.Headers["content-type"], StringComparison.Ordinal);
        Assert.Equal([reports[2].ToString(), reports[1].ToString(), reports[0].ToString()], await RowsAsync(doctor));
        Assert.DoesNotContain(study.ToString(), await doctor.ContentAsync(), StringComparison.Ordinal);
        Assert.Contains("до 11.03.2026 00:00", await doctor.InnerTextAsync("main"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(doctor, "share");
        await doctor.ClickAsync($"a[href$='{reports[2]}']");
        Assert.Contains("↑ выше нормы", await doctor.InnerTextAsync("table.observations"), StringComparison.Ordinal);
        var outOfScope = await doctor.GotoAsync($"{url}/{study}");
        Assert.Equal((int)HttpStatusCode.NotFound, outOfScope!.Status);

        // The same address still answers JSON to an API client.
        using (var api = new HttpClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await api.SendAsync(request);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(3, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("items").GetArrayLength());
        }

        await page.GotoAsync("/consents");
        await page.ClickAsync("table.consents button:has-text('Отозвать')");
        Assert.Contains("отозвано", await page.InnerTextAsync("table.consents td.status"), StringComparison.Ordinal);

        var refused = await doctor.GotoAsync(url);
        Assert.Equal((int)HttpStatusCode.Forbidden, refused!.Status);
        Assert.Contains("пациент отозвал согласие", await doctor.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        Assert.Empty(await RowsAsync(doctor));
        await BrowserFixture.ScreenshotAsync(doctor, "share-revoked");

        var denials = await Seed.DenialsAsync(Host, patient);
        Assert.Contains(denials, d => d.ReasonCode == "consent.revoked");
        Assert.Contains(denials, d => d.ReasonCode == "consent.out_of_scope");
    }

    [Fact]
    public async Task An_expired_consent_is_refused_in_words()
    {
        var patient = await Seed.PatientAsync(Host);
        using var client = Host.ClientAs(Roles.Patient, patient);
        var until = Host.Clock.GetCurrentInstant() + Duration.FromMinutes(30);
        var (_, token) = await Consents.ShareLinkTests.GrantAsync(client, validUntil: NodaTime.Text.InstantPattern.ExtendedIso.Format(until));
        Host.Clock.Advance(Duration.FromHours(1));
        var moscow = NodaTime.Text.LocalDateTimePattern.CreateWithInvariantCulture("dd.MM.uuuu HH:mm").Format(until.InZone(DateTimeZoneProviders.Tzdb["Europe/Moscow"]).LocalDateTime);
        await using var doctorContext = await fixture.AnonymousContextAsync();
        var doctor = await doctorContext.NewPageAsync();

        var refused = await doctor.GotoAsync($"/api/v1/shared/{token}/documents");

        Assert.Equal((int)HttpStatusCode.Forbidden, refused!.Status);
        Assert.Contains("срок согласия истёк " + moscow, await doctor.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        var unknown = await doctor.GotoAsync("/api/v1/shared/no-such-link/documents");
        Assert.Equal((int)HttpStatusCode.NotFound, unknown!.Status);
        Assert.Contains("Ссылка недействительна", await doctor.InnerTextAsync("[role=alert]"), StringComparison.Ordinal);
        var direct = await doctor.GotoAsync($"/share-page/{token}");
        Assert.Equal((int)HttpStatusCode.NotFound, direct!.Status);
    }

    [Fact]
    public async Task The_access_journal_lists_the_views_of_the_patient_and_of_the_doctor()
    {
        var (patient, _, reports, _) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/documents/{reports[0]}");
        using var client = Host.ClientAs(Roles.Patient, patient);
        var (_, token) = await Consents.ShareLinkTests.GrantAsync(client);
        Assert.Equal(HttpStatusCode.OK, (await Host.Http.GetAsync(new Uri($"/api/v1/shared/{token}/documents", UriKind.Relative))).StatusCode);
        await Seed.CatchUpAsync(Host);

        await page.GotoAsync("/journal");

        var journal = await page.InnerTextAsync("table.journal");
        Assert.Contains("Вы\tпросмотр документа — документ\tкабинет", journal, StringComparison.Ordinal);
        Assert.Contains("Врач по ссылке\tпросмотр по согласию", journal, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "journal");
        await page.GotoAsync("/sign-ins");
        Assert.Equal("page", await page.Locator("nav a[href='/sign-ins']").GetAttributeAsync("aria-current"));
        await BrowserFixture.ScreenshotAsync(page, "sign-ins");
    }

    [Fact]
    public async Task A_visit_without_credentials_is_sent_to_the_sign_in_page()
    {
        await using var context = await fixture.AnonymousContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync("/consents");

        Assert.Matches(new Regex("/account/sign-in\\?returnUrl=%2Fconsents$"), page.Url);
        Assert.Contains("Вход в кабинет", await page.InnerTextAsync("h1"), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "sign-in");
    }

    [Fact]
    public async Task Every_page_sends_the_security_headers_and_loads_without_a_policy_violation()
    {
        var (patient, _, reports, _) = await PatientWithDocumentsAsync();
        using var client = Host.ClientAs(Roles.Patient, patient);
        var (_, token) = await Consents.ShareLinkTests.GrantAsync(client);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();
        var violations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                violations.Add(message.Text);
            }
        };

        string[] addresses = ["/", $"/documents/{reports[2]}", "/trends", "/trends/2345-7", "/consents", "/journal", "/sign-ins", "/settings", "/medical-card", "/account/sign-in",
            $"/api/v1/shared/{token}/documents", $"/api/v1/shared/{token}/documents/{reports[2]}"];
        foreach (var address in addresses)
        {
            var response = await page.GotoAsync(address);
            Assert.Equal((int)HttpStatusCode.OK, response!.Status);
            var headers = await response.AllHeadersAsync();
            Assert.Equal(WebPipeline.ContentSecurityPolicy, headers["content-security-policy"]);
            Assert.Equal("nosniff", headers["x-content-type-options"]);
            Assert.Equal("no-referrer", headers["referrer-policy"]);
            Assert.Equal("no-store", headers["cache-control"]);
            Assert.Equal("rgb(11, 87, 164)", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('header.site')).backgroundColor"));
        }

        Assert.Empty(violations);
    }

    [Fact]
    public async Task Keyboard_reaches_the_skip_link_and_the_filters_and_every_control_has_a_name()
    {
        var (patient, _, _, _) = await PatientWithDocumentsAsync();
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/");

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Перейти к содержимому", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        var order = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            order.Add(await page.EvaluateAsync<string>("document.activeElement.id || document.activeElement.tagName"));
        }

        var filters = new[] { "f-q", "f-from", "f-to", "f-type", "f-status", "f-org" };
        Assert.Equal(filters, order.Where(o => Array.IndexOf(filters, o) >= 0).Distinct());
        Assert.True(order.IndexOf("f-q") < order.IndexOf("f-org"));

        foreach (var address in new[] { "/", "/consents", "/trends/2345-7" })
        {
            await page.GotoAsync(address);
            var unnamed = await page.EvaluateAsync<string[]>("""
                Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
                  .filter(e => !(e.labels && e.labels.length > 0) && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent.trim().length > 0))
                  .map(e => e.outerHTML)
                """);
            Assert.Empty(unnamed);
            Assert.Equal(1, await page.Locator("main#main").CountAsync());
            Assert.Equal(1, await page.Locator("nav[aria-label='Разделы кабинета']").CountAsync());
        }

        await page.GotoAsync("/");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("document.activeElement.id"));
    }
}
