using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Ledger.App.Cabinet;
using Ledger.App.Downloads;
using Ledger.App.Hosting;
using Ledger.App.Web;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Microsoft.Playwright;
using NodaTime;

namespace Ledger.Benchmarks;

/// <summary>
/// The PDF renderings measured against each other: PDFsharp (what the ledger uses) and Chromium's print-to-PDF
/// (Playwright's <c>Page.PdfAsync</c> of the same content as HTML, through Debian's chromium), for one lab result of
/// 20 observations and for a selection of 10 such documents: ms per document (median of the runs) and bytes.
/// </summary>
public static class PdfBenchmark
{
    private static readonly string[] Codes =
    [
        "2345-7", "2093-3", "2085-9", "13457-7", "2571-8", "2160-0", "3094-0", "1742-6", "1920-8", "1975-2",
        "2823-3", "2951-2", "718-7", "789-8", "6690-2", "777-3", "4544-3", "4548-4", "3016-3", "2339-0",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var runs = args.SkipWhile(a => a != "--runs").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(20);
        using var signer = new FileSigner(LedgerKeys.Ephemeral().CheckpointSigningKeyPem);
        var pdf = new DocumentPdf(new DownloadSettings(DownloadSettings.DefaultFontDirectory), signer);
        var documents = Enumerable.Range(0, 10).Select(Document).ToList();
        const string patient = "Иванова Мария Петровна";

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync();

        Console.WriteLine($"runs per case: {runs} (after 3 warm-up runs); ms per document is the median of the runs divided by the documents");
        foreach (var (name, selection) in new[] { ("1 result, 20 observations", documents.Take(1).ToList()), ("10 results, 20 observations each", documents) })
        {
            var (sharpMs, sharpBytes) = await MeasureAsync(runs, () => Task.FromResult(pdf.Documents(patient, selection)));
            var html = Html(patient, selection);
            var (chromeMs, chromeBytes) = await MeasureAsync(runs, async () =>
            {
                await page.SetContentAsync(html);
                return await page.PdfAsync(new PagePdfOptions { Format = "A4", PrintBackground = true });
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: PDFsharp {sharpMs / selection.Count:F1} ms/document, {sharpBytes} bytes; Chromium print-to-PDF {chromeMs / selection.Count:F1} ms/document, {chromeBytes} bytes"));
        }

        return 0;
    }

    private static async Task<(double MedianMs, int Bytes)> MeasureAsync(int runs, Func<Task<byte[]>> render)
    {
        var bytes = 0;
        for (var i = 0; i < 3; i++)
        {
            bytes = (await render()).Length;
        }

        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            bytes = (await render()).Length;
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return (times[times.Count / 2], bytes);
    }

    private static DownloadDocument Document(int index)
    {
        var organization = new OrganizationId(Guid.Parse("5a1f0c55-0000-4000-8000-000000000001"));
        var collected = Instant.FromUtc(2026, 1, 1, 6, 30) + Duration.FromDays(30 * index);
        var observations = Codes.Select((code, i) => new LabObservation(
            ObservationCode.Loinc(LoincCode.Parse(code)), "Показатель " + (i + 1).ToString(CultureInfo.InvariantCulture), 4.2m + i * 0.37m, null, UcumUnit.Parse("mmol/L"),
            new ReferenceRange(3.9m, 6.1m, null), AbnormalFlag.Parse(4.2m + i * 0.37m > 6.1m ? "H" : "N"), ObservationStatus.Final, null)).ToList();
        var content = new LabReport("ORD-" + index.ToString(CultureInfo.InvariantCulture), "SP-" + index.ToString(CultureInfo.InvariantCulture), collected, collected + Duration.FromHours(5),
            organization, "Смирнова О. В.", [new LabPanel(null, "Биохимический анализ крови", observations)], null);
        var id = new DocumentId(Guid.CreateVersion7());
        var state = new ResultState(true, id, PatientRef.Resolved(new PatientId(Guid.CreateVersion7())), organization, ResultStatus.Ready,
            [new ResultVersion(1, content, "DLV-" + index.ToString(CultureInfo.InvariantCulture), null)], ImmutableHashSet<string>.Empty);
        return new DownloadDocument(state, 1, new DocumentDetail(id.Value, "labReport", "ready", organization.Value, "Лаборатория «Здоровье»", 1, content));
    }

    /// <summary>The same content as the PDFsharp rendering, as an HTML page with a print style.</summary>
    private static string Html(string patient, IReadOnlyList<DownloadDocument> documents)
    {
        static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
        var html = new StringBuilder("""
            <!doctype html><html lang="ru"><head><meta charset="utf-8"><style>
            body { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; } section { page-break-after: always; }
            table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 2pt 4pt; border-bottom: 0.5pt solid #999; }
            </style></head><body>
            """);
        foreach (var document in documents)
        {
            var lab = (LabReport)document.Detail.Content;
            html.Append(CultureInfo.InvariantCulture, $"<section><h1>Анализ № {E(lab.OrderNumber)}</h1><dl><dt>Пациент</dt><dd>{E(patient)}</dd><dt>Организация</dt><dd>{E(document.Detail.OrganizationName)}</dd>");
            html.Append(CultureInfo.InvariantCulture, $"<dt>Взятие материала</dt><dd>{Labels.DateTime(lab.CollectedAt)}</dd><dt>Выдан</dt><dd>{Labels.DateTime(lab.IssuedAt)}</dd></dl>");
            foreach (var panel in lab.Panels)
            {
                html.Append(CultureInfo.InvariantCulture, $"<h2>{E(panel.Name)}</h2><table><tr><th>Показатель</th><th>Результат</th><th>Единицы</th><th>Норма</th><th>Отметка лаборатории</th></tr>");
                foreach (var o in panel.Observations)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(o.Name)}</th><td>{(o.Value is { } v ? Labels.Number(v) : E(o.TextValue))}</td><td>{E(o.Unit?.ToString())}</td><td>{E(Labels.Range(o.ReferenceRange))}</td><td>{E(Labels.Flag(o.Flag) ?? "в норме")}</td></tr>");
                }

                html.Append("</table>");
            }

            html.Append("<footer>Подписано цифровой подписью реестра</footer></section>");
        }

        return html.Append("</body></html>").ToString();
    }
}
