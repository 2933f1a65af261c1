using System.Net;
using Ledger.App.Hosting;
using Ledger.EventStore.Messaging;
using Ledger.EventStore.Projections;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.App.Ingestion;

/// <summary>Delivery of results: HL7 v2 over HTTP and MLLP, FHIR R4 over HTTP, pending results (docs/ingestion.md).</summary>
public sealed class IngestionFeature : ILedgerFeature
{
    /// <summary>Configuration key of the MLLP port (absent: no listener; 0: any free port).</summary>
    public const string MllpPortKey = "Ledger:MllpPort";

    /// <summary>Configuration key of the address the MLLP listener binds (default: all addresses).</summary>
    public const string MllpAddressKey = "Ledger:MllpAddress";

    public void AddServices(IServiceCollection services)
    {
        services.TryAddSingleton(new IngestionOptions());
        services.AddSingleton<IngestionTables>();
        services.AddSingleton<AttachmentFiles>();
        services.AddSingleton<PendingResultsTrigger>();
        services.AddSingleton<PatientResolver>();
        services.AddSingleton<DeliveryGate>();
        services.AddSingleton<Hl7Ingestion>();
        services.AddSingleton<FhirIngestion>();
        services.AddSingleton(sp =>
        {
            var configuration = sp.GetRequiredService<IConfiguration>();
            var port = configuration.GetValue<int?>(MllpPortKey);
            var address = configuration[MllpAddressKey] is { Length: > 0 } text ? IPAddress.Parse(text) : null;
            return new MllpSettings(port, address);
        });
        services.AddSingleton<MllpListener>();
        services.AddHostedService(sp => sp.GetRequiredService<MllpListener>());
        services.AddHostedService<FhirWarmUp>();
    }

    public void MapEndpoints(IEndpointRouteBuilder routes) => IngestionEndpoints.Map(routes);

    public IEnumerable<IInlineProjection> InlineProjections(IServiceProvider services) =>
        [services.GetRequiredService<IngestionTables>(), services.GetRequiredService<AttachmentFiles>(), services.GetRequiredService<PendingResultsTrigger>()];

    public IEnumerable<Type> MessageHandlers => [typeof(ResolvePendingResultsHandler), typeof(ResolvePendingDocumentHandler)];
}

/// <summary>Loads Firely's R4 model in the background when the server starts (<see cref="Fhir.FhirDeliveryReader.WarmUp"/>).</summary>
internal sealed class FhirWarmUp : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Task.Run(Fhir.FhirDeliveryReader.WarmUp, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
