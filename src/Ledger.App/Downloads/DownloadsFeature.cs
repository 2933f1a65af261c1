using Ledger.App.Hosting;

namespace Ledger.App.Downloads;

/// <summary>Signed downloads of the cabinet: PDF, FHIR, ZIP, the medical card; the published signing key (docs/downloads.md).</summary>
public sealed class DownloadsFeature : ILedgerFeature
{
    public void AddServices(IServiceCollection services)
    {
        services.AddSingleton(sp => DownloadSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton(sp => new FileSigner(sp.GetRequiredService<LedgerRuntime>().Keys.CheckpointSigningKeyPem));
        services.AddSingleton<DocumentPdf>();
        services.AddSingleton<DownloadServices>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => routes.MapDownloads();
}
