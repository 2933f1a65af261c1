using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.App.Organizations;
using Ledger.Hl7v2;

namespace Ledger.App.Ingestion;

/// <summary>Where the MLLP listener listens; no port means no listener.</summary>
public sealed record MllpSettings(int? Port, IPAddress? Address = null);

/// <summary>
/// HL7 v2 over MLLP (frames <c>0x0B … 0x1C 0x0D</c>): one ACK per frame, many connections at once. The sender is
/// the organisation named in MSH-4 (its ОГРН, or its exact name, in MSH-4.1 or MSH-4.2) and is accepted only from
/// the source addresses configured for it; otherwise AR and a recorded refusal. A bad frame gets AE/AR and the
/// connection stays open for the next one; a frame beyond the size limit is skipped up to its end and answered AR.
/// </summary>
public sealed class MllpListener(
    MllpSettings settings, Hl7Ingestion ingestion, DeliveryGate gate, OrganizationDirectory directory, IngestionOptions options, ILogger<MllpListener> log) : BackgroundService
{
    private TcpListener? listener;

    /// <summary>The bound endpoint once listening (port 0 picks a free one).</summary>
    public IPEndPoint? Endpoint { get; private set; }

    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the socket is bound.</summary>
    public Task Listening => listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.Port is not { } port)
        {
            return;
        }

        listener = new TcpListener(settings.Address ?? IPAddress.Any, port);
        listener.Start();
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        listening.TrySetResult();
        log.LogInformation("MLLP listening on {Endpoint}", Endpoint);
        using var slots = new SemaphoreSlim(options.MaxMllpConnections);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await slots.WaitAsync(stoppingToken);
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stoppingToken);
                }
                catch (SocketException)
                {
                    slots.Release();
                    continue;
                }

                _ = Task.Run(
                    async () =>
                    {
                        try
                        {
                            await ServeAsync(client, stoppingToken);
                        }
                        finally
                        {
                            client.Dispose();
                            slots.Release();
                        }
                    },
                    CancellationToken.None);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            listener.Stop();
        }
    }

    private async Task ServeAsync(TcpClient client, CancellationToken stoppingToken)
    {
        var remote = (client.Client.RemoteEndPoint as IPEndPoint)?.Address;
        try
        {
            var stream = client.GetStream();
            var reader = new MllpFrameReader(stream, options.MaxMessageBytes);
            while (!stoppingToken.IsCancellationRequested)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                idle.CancelAfter(options.MllpIdleTimeout);
                var frame = await reader.ReadAsync(idle.Token);
                if (frame is null)
                {
                    return;
                }

                var answer = await HandleAsync(frame.Value, remote, stoppingToken);
                await MllpFrame.WriteAsync(stream, Encoding.UTF8.GetBytes(answer), stoppingToken);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The peer went away or stayed silent too long; nothing was half-written to the store.
        }
        catch (Exception e)
        {
            // Only the type: a message body or identifier never reaches the log.
            log.LogError("MLLP connection ended by {ExceptionType}", e.GetType().Name);
        }
    }

    private async Task<string> HandleAsync(MllpFrame frame, IPAddress? remote, CancellationToken cancellationToken)
    {
        var header = AckHeader.BestEffort(frame.Content.Span);
        if (frame.Oversized)
        {
            return ingestion.Answer(header, new Hl7ParseException(Hl7ErrorKind.Limit, $"frame larger than {options.MaxMessageBytes} bytes")).Ack;
        }

        var organization = await directory.FindByFacilityAsync(SendingFacility(frame.Content, header), cancellationToken);
        var source = remote?.IsIPv4MappedToIPv6 == true ? remote.MapToIPv4().ToString() : remote?.ToString();
        if (organization is null)
        {
            await gate.RefuseAsync(null, "mllp", "unknown_organization", source, cancellationToken);
            return ingestion.Answer(header, new Hl7ParseException(Hl7ErrorKind.Unsupported, "MSH-4: the sending facility is not a registered organisation", "MSH", 1, 4, 207)).Ack;
        }

        if (source is null || !organization.MllpSources.Contains(source, StringComparer.Ordinal))
        {
            await gate.RefuseAsync(organization.OrganizationId, "mllp", "source_not_allowed", source, cancellationToken);
            return ingestion.Answer(header, new Hl7ParseException(Hl7ErrorKind.Unsupported, "MSH-4: this organisation may not deliver from this address", "MSH", 1, 4, 207)).Ack;
        }

        var decision = await gate.DecideAsync(organization, "mllp", source, cancellationToken);
        if (!decision.Allowed)
        {
            return ingestion.Answer(header, new Hl7ParseException(Hl7ErrorKind.Unsupported, $"the organisation may not deliver ({decision.Reason})", "MSH", 1, 4, 207)).Ack;
        }

        return (await ingestion.IngestAsync(organization.OrganizationId, frame.Content, null, cancellationToken)).Ack;
    }

    /// <summary>MSH-4.1 and MSH-4.2, decoded in the message's character set when it parses, else as sent.</summary>
    private static IEnumerable<string> SendingFacility(ReadOnlyMemory<byte> bytes, AckHeader header)
    {
        try
        {
            var facility = Hl7Parser.Parse(bytes.Span).Header.Field(4);
            return [facility.Component(1).Value, facility.Component(2).Value];
        }
        catch (Hl7ParseException)
        {
            return header.SendingFacility.Split(header.Separators.Component).Take(2);
        }
    }

    public override void Dispose()
    {
        listener?.Dispose();
        base.Dispose();
    }
}
