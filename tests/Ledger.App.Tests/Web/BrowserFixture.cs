using Ledger.App.Security;
using Ledger.App.Streams;
using Ledger.Domain;
using Ledger.Domain.Identifiers;
using Ledger.Domain.Results;
using Ledger.EventStore;
using Ledger.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NodaTime;
using Xunit;

namespace Ledger.App.Tests.Web;

/// <summary>
/// One ledger host and one headless Debian chromium for all browser tests (a collection runs its tests one after
/// another); each test opens its own browser contexts. Without chromium the tests fail: install it with
/// <c>apt-get install chromium</c> (or point <c>LEDGER_CHROMIUM</c> at the executable).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The launch flags of a headless chromium on a build machine (no sandbox as root, no GPU, no background traffic).</summary>
    public static readonly string[] LaunchFlags =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? playwright;
    private IBrowser? browser;
    private LedgerHost? host;

    public LedgerHost Host => host ?? throw new InvalidOperationException("the fixture has not started");

    public IBrowser Browser => browser ?? throw new InvalidOperationException("the fixture has not started");

    public static string ChromiumPath()
    {
        var candidates = new[] { Environment.GetEnvironmentVariable("LEDGER_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new InvalidOperationException("chromium was not found (looked at LEDGER_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): apt-get install -y chromium");
    }

    public async Task InitializeAsync()
    {
        var path = ChromiumPath();
        host = await LedgerHost.StartAsync();
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = path, Headless = true, Args = LaunchFlags });
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }

        playwright?.Dispose();
        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>
    /// A browser context signed in as <paramref name="patient"/> with the API's bearer token, sent with every request
    /// through ExtraHTTPHeaders (the pages accept it beside the session cookie). SignInPageTests signs in through the
    /// pages themselves.
    /// </summary>
    public Task<IBrowserContext> PatientContextAsync(Guid patient)
    {
        var token = Host.Services.GetRequiredService<TokenService>().Issue(Roles.Patient, patient, Duration.FromHours(2));
        return Browser.NewContextAsync(Options(new Dictionary<string, string>(StringComparer.Ordinal) { ["Authorization"] = "Bearer " + token }));
    }

    /// <summary>A context without credentials: the doctor with a share link, or a visitor.</summary>
    public Task<IBrowserContext> AnonymousContextAsync() => Browser.NewContextAsync(Options(null));

    private BrowserNewContextOptions Options(Dictionary<string, string>? headers) => new()
    {
        BaseURL = Host.Address.ToString().TrimEnd('/'),
        ExtraHTTPHeaders = headers,
        Locale = "ru-RU",
        TimezoneId = "Europe/Moscow",
        ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
    };

    /// <summary>Saves a full-page screenshot as artifacts/screenshots/<paramref name="name"/>.png at the repository's root.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        var directory = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Ledger.sln")))
            {
                return dir.FullName;
            }
        }

        return AppContext.BaseDirectory;
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}

/// <summary>Documents for the browser tests, from a registered laboratory so that pages show its name.</summary>
internal static class WebSeed
{
    /// <summary>The laboratory «Здоровье», registered once per host (through the same command the admin API runs).</summary>
    public static async Task<OrganizationId> LaboratoryAsync(LedgerHost host)
    {
        var directory = host.Services.GetRequiredService<Ledger.App.Organizations.OrganizationDirectory>();
        if (await directory.FindByOgrnAsync("1027700132195") is { } existing)
        {
            return new OrganizationId(existing.OrganizationId);
        }

        var id = new OrganizationId(Guid.CreateVersion7());
        await Executor(host).ExecuteAsync(
            Deciders.Organization,
            StreamIds.Organization(id),
            new Ledger.Domain.Organizations.RegisterOrganization(id, Inn.Parse("7707083893"), Ogrn.Parse("1027700132195"), Ledger.Domain.Organizations.OrganizationType.Laboratory, "Лаборатория «Здоровье»", "1.2.643.5.1.13"),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty));
        return id;
    }

    public static LabReport Report(OrganizationId lab, string order, Instant collected, string specialist, decimal glucose, string? glucoseFlag = "N", string glucoseUnit = "mmol/L", decimal cholesterol = 6.2m) => new(
        order,
        "SP-" + order,
        collected,
        collected + Duration.FromHours(5),
        lab,
        specialist,
        [
            new LabPanel(null, "Биохимический анализ крови",
            [
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2345-7")), "Глюкоза", glucose, null, UcumUnit.Parse(glucoseUnit),
                    new ReferenceRange(3.9m, 6.1m, null), glucoseFlag is null ? null : AbnormalFlag.Parse(glucoseFlag), ObservationStatus.Final, null),
                new LabObservation(ObservationCode.Loinc(LoincCode.Parse("2093-3")), "Холестерин общий", cholesterol, null, UcumUnit.Parse("mmol/L"),
                    new ReferenceRange(null, 5.2m, null), AbnormalFlag.Parse(cholesterol > 5.2m ? "H" : "N"), ObservationStatus.Final, null),
            ]),
        ],
        null);

    public static async Task<Guid> LabAsync(LedgerHost host, Guid patient, OrganizationId lab, LabReport report)
    {
        var document = new DocumentId(Guid.CreateVersion7());
        await Executor(host).ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordLabResult(document, PatientRef.Resolved(new PatientId(patient)), lab, "DLV-" + document.Value.ToString("N"), report),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        return document.Value;
    }

    public static async Task<Guid> StudyAsync(LedgerHost host, Guid patient, OrganizationId lab)
    {
        var document = new DocumentId(Guid.CreateVersion7());
        await Executor(host).ExecuteAsync(
            Deciders.Result,
            StreamIds.Result(document),
            new RecordInstrumentalStudy(document, PatientRef.Resolved(new PatientId(patient)), lab, "DLV-" + document.Value.ToString("N"),
                new InstrumentalStudy(Modality.US, "брюшная полость", Instant.FromUtc(2026, 2, 10, 9, 0), "Печень не увеличена, контуры ровные.", "Эхопризнаков патологии не выявлено.", "Повторить через год.", "Петров А. А.",
                    [new Attachment(ContentHash.Parse(new string('a', 64)), AttachmentContentType.Jpeg, 48_213, "узи-печень.jpg")])),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));
        return document.Value;
    }

    public static Task CorrectAsync(LedgerHost host, Guid patient, Guid document, OrganizationId lab, ResultContent content, string reason) =>
        Executor(host).ExecuteAsync(
            Deciders.Result,
            document,
            new CorrectResult(new DocumentId(document), lab, "FIX-" + Guid.NewGuid().ToString("N"), content, reason),
            new CommandContext(Guid.NewGuid(), EventMetadata.Empty, patient));

    private static CommandExecutor Executor(LedgerHost host) => host.Services.GetRequiredService<CommandExecutor>();
}
