using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.App.Ingestion.Hl7v2;
using Ledger.App.Organizations;

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
    private const byte Start = 0x0B;
    private const byte End = 0x1C;
    private const byte Return = 0x0D;
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
            var reader = new FrameReader(stream, options.MaxMessageBytes);
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
                var bytes = Encoding.UTF8.GetBytes(answer);
                var framed = new byte[bytes.Length + 3];
                framed[0] = Start;
                bytes.CopyTo(framed, 1);
                framed[^2] = End;
                framed[^1] = Return;
                await stream.WriteAsync(framed, stoppingToken);
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

    private async Task<string> HandleAsync(Frame frame, IPAddress? remote, CancellationToken cancellationToken)
    {
        var header = AckHeader.BestEffort(frame.Bytes.Span);
        if (frame.Oversized)
        {
            return ingestion.Answer(header, new Hl7ParseException(Hl7ErrorKind.Limit, $"frame larger than {options.MaxMessageBytes} bytes")).Ack;
        }

        var organization = await directory.FindByFacilityAsync(SendingFacility(frame.Bytes, header), cancellationToken);
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

        return (await ingestion.IngestAsync(organization.OrganizationId, frame.Bytes, null, cancellationToken)).Ack;
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

    private readonly record struct Frame(ReadOnlyMemory<byte> Bytes, bool Oversized);

    /// <summary>Reads MLLP frames; bytes outside a frame are skipped, a frame past the limit is drained and flagged.</summary>
    private sealed class FrameReader(Stream stream, int limit)
    {
        private readonly byte[] buffer = new byte[64 * 1024];
        private int position;
        private int length;

        public async Task<Frame?> ReadAsync(CancellationToken cancellationToken)
        {
            // Find the start block.
            while (true)
            {
                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }

                var start = buffer.AsSpan(position, length - position).IndexOf(Start);
                if (start >= 0)
                {
                    position += start + 1;
                    break;
                }

                position = length;
            }

            using var content = new MemoryStream();
            var oversized = false;
            while (true)
            {
                if (!await FillAsync(cancellationToken))
                {
                    return null;
                }

                // Copy everything up to the next block character at once.
                var available = buffer.AsSpan(position, length - position);
                var special = available.IndexOfAny(Start, End);
                if (special < 0)
                {
                    Append(content, available, ref oversized);
                    position = length;
                    continue;
                }

                Append(content, available[..special], ref oversized);
                position += special + 1;
                if (available[special] == Start)
                {
                    // A new frame began before this one ended: drop the broken one.
                    content.SetLength(0);
                    oversized = false;
                    continue;
                }

                var next = await NextAsync(cancellationToken);
                if (next == Return || next < 0)
                {
                    return new Frame(content.ToArray(), oversized);
                }

                if (next == Start)
                {
                    // A frame ended without CR and the next began: answer this one; the next is read from scratch.
                    position--;
                    return new Frame(content.ToArray(), oversized);
                }

                Append(content, [End], ref oversized);
                if (next != End)
                {
                    Append(content, [(byte)next], ref oversized);
                }
                else
                {
                    position--; // an End again: look at it afresh (it may end the frame)
                }
            }
        }

        private void Append(MemoryStream content, ReadOnlySpan<byte> bytes, ref bool oversized)
        {
            var room = (int)Math.Max(0, limit - content.Length);
            if (bytes.Length > room)
            {
                oversized = true;
                bytes = bytes[..room];
            }

            content.Write(bytes);
        }

        private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (position < length)
            {
                return true;
            }

            length = await stream.ReadAsync(buffer, cancellationToken);
            position = 0;
            return length > 0;
        }

        private async ValueTask<int> NextAsync(CancellationToken cancellationToken)
        {
            if (position == length)
            {
                length = await stream.ReadAsync(buffer, cancellationToken);
                position = 0;
                if (length == 0)
                {
                    return -1;
                }
            }

            return buffer[position++];
        }
    }
}
