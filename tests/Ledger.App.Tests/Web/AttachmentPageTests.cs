using System.Security.Cryptography;
using Ledger.App.Ingestion;
using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.App.Tests.Cabinet;
using Ledger.App.Tests.Consents;
using Ledger.App.Tests.Patients;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Web;

/// <summary>A study's original files on its page: the image shown, the PDF opened in a new tab, for the patient and under a share link.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AttachmentPageTests(BrowserFixture fixture)
{
    private LedgerHost Host => fixture.Host;

    /// <summary>A study with a PNG and a PDF, stored as ingestion stores them: the files in the study's own append.</summary>
    private async Task<Guid> StudyWithFilesAsync(Guid patient, byte[] png, byte[] pdf)
    {
        var lab = await WebSeed.LaboratoryAsync(Host);
        var document = new DocumentId(Guid.CreateVersion7());
        var owner = new ResolvedPatient(PatientRef.Resolved(new PatientId(patient)), patient);
        var writes = await Host.Services.GetRequiredService<AttachmentFiles>().WritesAsync(owner, [png, pdf], CancellationToken.None);
        static Attachment Of(byte[] data, AttachmentContentType type, string name) => new(ContentHash.Parse(Convert.ToHexStringLower(SHA256.HashData(data))), type, data.Length, name);
        await Host.Services.GetRequiredService<CommandExecutor>().ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordInstrumentalStudy(document, owner.Patient, lab, "DLV-" + document.Value.ToString("N"),
                new InstrumentalStudy(Modality.CT, "грудная клетка", Instant.FromUtc(2026, 2, 11, 9, 0), "Очаговых изменений нет.", "Без патологии.", null, "Петров А. А.",
                    [Of(png, AttachmentContentType.Png, "снимок.png"), Of(pdf, AttachmentContentType.Pdf, "протокол.pdf")])),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient) { Writes = writes });
        await Seed.CatchUpAsync(Host);
        return document.Value;
    }

    [Fact]
    public async Task The_study_page_shows_the_image_and_opens_the_pdf_in_a_new_tab()
    {
        var patient = await Seed.PatientAsync(Host);
        var document = await StudyWithFilesAsync(patient, AttachmentTests.Png("page"), AttachmentTests.Pdf("page"));
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/documents/{document}");

        var image = page.Locator("ul.attachments img");
        await image.WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('ul.attachments img').complete");
        Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0);
        Assert.Equal("снимок.png (изображение PNG)", await image.GetAttributeAsync("alt"));
        var pdf = page.Locator("ul.attachments a[target=_blank]");
        Assert.Equal($"/api/v1/patients/me/documents/{document}/attachments/2", await pdf.GetAttributeAsync("href"));
        var opened = await context.APIRequest.GetAsync($"/api/v1/patients/me/documents/{document}/attachments/2");
        Assert.Equal(200, opened.Status);
        Assert.Equal("application/pdf", opened.Headers["content-type"]);
        await BrowserFixture.ScreenshotAsync(page, "study-attachments");
    }

    [Fact]
    public async Task The_lab_result_page_lists_the_laboratory_s_pdf_and_opens_it_in_a_new_tab()
    {
        var patient = await Seed.PatientAsync(Host);
        var lab = await WebSeed.LaboratoryAsync(Host);
        var pdf = AttachmentTests.Pdf("lab page");
        var report = WebSeed.Report(lab, "ORD-PDF", Instant.FromUtc(2026, 2, 20, 6, 30), "Смирнова О. В.", 5.2m);
        var panel = report.Panels[0];
        var withFile = panel.Observations[0] with { Attachments = [new Attachment(ContentHash.Parse(Convert.ToHexStringLower(SHA256.HashData(pdf))), AttachmentContentType.Pdf, pdf.Length, "бланк.pdf")] };
        report = report with { Panels = [panel with { Observations = [withFile, .. panel.Observations.Skip(1)] }, .. report.Panels.Skip(1)] };
        var document = new DocumentId(Guid.CreateVersion7());
        var owner = new ResolvedPatient(PatientRef.Resolved(new PatientId(patient)), patient);
        var writes = await Host.Services.GetRequiredService<AttachmentFiles>().WritesAsync(owner, [pdf], CancellationToken.None);
        await Host.Services.GetRequiredService<CommandExecutor>().ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordLabResult(document, owner.Patient, lab, "DLV-" + document.Value.ToString("N"), report),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient) { Writes = writes });
        await Seed.CatchUpAsync(Host);
        await using var context = await fixture.PatientContextAsync(patient);
        var page = await context.NewPageAsync();

        await page.GotoAsync($"/documents/{document}");

        var link = page.Locator("ul.attachments a[target=_blank]");
        Assert.Equal($"/api/v1/patients/me/documents/{document.Value}/attachments/1", await link.GetAttributeAsync("href"));
        Assert.Contains("бланк.pdf", await page.Locator("ul.attachments").InnerTextAsync(), StringComparison.Ordinal);
        var opened = await context.APIRequest.GetAsync($"/api/v1/patients/me/documents/{document.Value}/attachments/1");
        Assert.Equal(pdf, await opened.BodyAsync());
    }

    [Fact]
    public async Task The_share_page_shows_the_image_through_the_link()
    {
        var patient = await Seed.PatientAsync(Host);
        var document = await StudyWithFilesAsync(patient, AttachmentTests.Png("share"), AttachmentTests.Pdf("share"));
        using var client = Host.ClientAs(Roles.Patient, patient);
        var (_, token) = await ShareLinkTests.GrantAsync(client);
        await Seed.CatchUpAsync(Host);
        await using var doctor = await fixture.AnonymousContextAsync();
        var page = await doctor.NewPageAsync();

        await page.GotoAsync($"/api/v1/shared/{token}/documents/{document}");

        var image = page.Locator("ul.attachments img");
        await image.WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('ul.attachments img').complete");
        Assert.True(await image.EvaluateAsync<int>("img => img.naturalWidth") > 0);
        Assert.StartsWith($"/api/v1/shared/{token}/documents/{document}/attachments/1", await image.GetAttributeAsync("src"), StringComparison.Ordinal);
    }
}
