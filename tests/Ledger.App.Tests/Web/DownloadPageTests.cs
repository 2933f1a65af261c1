using System.Diagnostics;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Ledger.App.Downloads;
using Ledger.App.Tests.Patients;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using Instant = NodaTime.Instant;
using Task = System.Threading.Tasks.Task;

namespace Ledger.App.Tests.Web;

/// <summary>Downloads from the cabinet's pages in a real browser: the files are checked with pdftotext, pdffonts and the Firely SDK.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DownloadPageTests(BrowserFixture fixture)
{
    private LedgerHost Host => fixture.Host;

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {process.StandardError.ReadToEnd()}");
        return output;
    }

    private static async Task<string> SaveAsync(IDownload download)
    {
        var path = Path.Combine(Path.GetTempPath(), "ledger-browser-" + Guid.NewGuid().ToString("N") + "-" + download.SuggestedFilename);
        await download.SaveAsAsync(path);
        return path;
    }

    [Fact]
    public async Task A_pdf_downloaded_from_the_document_page_has_the_patient_and_the_analyte_in_its_text_and_embeds_its_fonts()
    {
        var patient = await Seed.PatientAsync(Host);
        var lab = await WebSeed.LaboratoryAsync(Host);
        var report = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-P1", Instant.FromUtc(2026, 2, 27, 6, 30), "Смирнова О. В.", 6.8m, "H"));
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/documents/{report}");
        await BrowserFixture.ScreenshotAsync(page, "document-downloads");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "PDF", Exact = true }).ClickAsync());
        Assert.Equal("labReport-ORD-P1.pdf", download.SuggestedFilename);
        var pdf = await SaveAsync(download);

        var text = Run("/usr/bin/pdftotext", "-layout", pdf, "-");
        Assert.Contains("Иванова Мария Петровна", text, StringComparison.Ordinal);
        Assert.Contains("Холестерин общий", text, StringComparison.Ordinal);
        Assert.Contains("↑ выше нормы", text, StringComparison.Ordinal);
        var fonts = Run("/usr/bin/pdffonts", pdf).Split('\n').Skip(2).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(fonts);
        Assert.All(fonts, row => Assert.Matches(@"DejaVu Sans.*\syes\s+yes\s+(yes|no)\s+\d+\s+\d+\s*$", row));

        var signature = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = ".sig", Exact = true }).ClickAsync());
        Assert.Equal("labReport-ORD-P1.pdf.sig", signature.SuggestedFilename);
        var key = Path.Combine(Path.GetTempPath(), "ledger-browser-" + Guid.NewGuid().ToString("N") + ".pem");
        await File.WriteAllTextAsync(key, Host.Services.GetRequiredService<FileSigner>().PublicKeyPem);
        Assert.Equal("Verified OK", Run("/usr/bin/openssl", "dgst", "-sha256", "-verify", key, "-signature", await SaveAsync(signature), pdf).Trim());
    }

    [Fact]
    public async Task The_list_downloads_a_selection_as_fhir_json_that_the_firely_sdk_parses_and_as_zip_without_script()
    {
        var patient = await Seed.PatientAsync(Host);
        var lab = await WebSeed.LaboratoryAsync(Host);
        var first = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-S1", Instant.FromUtc(2026, 1, 20, 6, 30), "Кузнецов И. П.", 5.5m));
        var second = await WebSeed.LabAsync(Host, patient, lab, WebSeed.Report(lab, "ORD-S2", Instant.FromUtc(2026, 2, 20, 6, 30), "Кузнецов И. П.", 6.9m, "H"));
        await WebSeed.StudyAsync(Host, patient, lab);
        await Seed.CatchUpAsync(Host);
        await using var context = await Browser(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync("/");
        await page.CheckAsync($"tr[data-document='{first}'] input[name=document]");
        await page.CheckAsync($"tr[data-document='{second}'] input[name=document]");
        await BrowserFixture.ScreenshotAsync(page, "documents-selection");
        var fhir = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Скачать FHIR" }).ClickAsync());
        var bundle = new FhirJsonDeserializer().DeserializeResource(await File.ReadAllTextAsync(await SaveAsync(fhir))) as Bundle;
        Assert.NotNull(bundle);
        Assert.Equal(
            new[] { first.ToString("D"), second.ToString("D") }.Order(StringComparer.Ordinal),
            bundle.Entry.Select(e => e.Resource).OfType<DiagnosticReport>().Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Contains(bundle.Entry.Select(e => e.Resource).OfType<Observation>(), o => o.Value is Quantity { Value: 6.9m });

        var zip = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Скачать ZIP" }).ClickAsync());
        Assert.Equal("documents-2.zip", zip.SuggestedFilename);
        using var archive = System.IO.Compression.ZipFile.OpenRead(await SaveAsync(zip));
        Assert.Equal(2, archive.Entries.Count(e => e.FullName.EndsWith(".pdf", StringComparison.Ordinal)));
    }

    /// <summary>A patient's context with script turned off: the selection form works as plain HTML.</summary>
    private async Task<IBrowserContext> Browser(Guid patient)
    {
        var token = Host.Services.GetRequiredService<Ledger.App.Security.TokenService>().Issue(Ledger.App.Security.Roles.Patient, patient, NodaTime.Duration.FromHours(2));
        return await fixture.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Host.Address.ToString().TrimEnd('/'),
            ExtraHTTPHeaders = new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = "Bearer " + token },
            JavaScriptEnabled = false,
            Locale = "ru-RU",
            TimezoneId = "Europe/Moscow",
        });
    }
}
