using System.Net.Sockets;
using System.Text;
using Ledger.App.Ingestion;
using Ledger.Domain;
using Ledger.Domain.Deliveries;
using Xunit;

namespace Ledger.App.Tests.Ingestion;

public sealed class MllpTests(DeliveryHost host) : IClassFixture<DeliveryHost>
{
    private static byte[] Frame(byte[] message) => [0x0B, .. message, 0x1C, 0x0D];

    /// <summary>A message whose MSH-4 names the organisation by its ОГРН, with its own control id.</summary>
    private static byte[] MessageFrom(string facility, string controlId)
    {
        var message = DeliveryHost.WithControlId(Fixtures.Hl7("fhir-converter_ORU-R01-RMGEAD.hl7"), controlId);
        return Hl7DeliveryTests.EditSegment(message, "MSH", 3, facility);
    }

    private static async Task<string> ReadAckAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var read = await stream.ReadAsync(one, timeout.Token);
            Assert.Equal(1, read);
            if (one[0] == 0x1C)
            {
                Assert.Equal(1, await stream.ReadAsync(one, timeout.Token));
                Assert.Equal(0x0D, one[0]);
                break;
            }

            if (one[0] != 0x0B)
            {
                buffer.Add(one[0]);
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    [Fact]
    public async Task Several_messages_and_a_broken_frame_on_one_connection_each_get_an_ack()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();
        var before = await host.EventCountAsync();

        await stream.WriteAsync(Frame(MessageFrom(host.Lab.Ogrn, "MLLP-1")));
        var first = await ReadAckAsync(stream);
        await stream.WriteAsync(Frame(Encoding.ASCII.GetBytes("this is not HL7")));
        var broken = await ReadAckAsync(stream);
        await stream.WriteAsync(Frame(MessageFrom(host.Lab.Name, "MLLP-2")));
        var second = await ReadAckAsync(stream);
        await stream.WriteAsync(Frame(MessageFrom(host.Lab.Ogrn, "MLLP-1")));
        var repeat = await ReadAckAsync(stream);

        Assert.Equal("AA", DeliveryHost.AckCode(first));
        Assert.Contains("MSA|AA|MLLP-1", first, StringComparison.Ordinal);
        Assert.Equal("AR", DeliveryHost.AckCode(broken));
        Assert.Equal("AA", DeliveryHost.AckCode(second));
        Assert.Equal(first, repeat);
        // Two documents (each its arrival and, released final, its status), and the refusal of the frame that named no organisation.
        Assert.Equal(before + 5, await host.EventCountAsync());
        Assert.True((await host.DocumentAsync(DeliveryHost.Hl7DocumentId(host.Lab.Id, "MLLP-2"))).Exists);
    }

    [Fact]
    public async Task Concurrent_connections_are_served()
    {
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", host.MllpPort);
            var stream = client.GetStream();
            var acks = new List<string>();
            for (var j = 0; j < 3; j++)
            {
                await stream.WriteAsync(Frame(MessageFrom(host.Lab.Ogrn, $"CONC-{i}-{j}")));
                acks.Add(await ReadAckAsync(stream));
            }

            return acks;
        });

        var all = (await Task.WhenAll(tasks)).SelectMany(a => a).ToList();

        Assert.Equal(24, all.Count);
        Assert.All(all, ack => Assert.Equal("AA", DeliveryHost.AckCode(ack)));
    }

    [Fact]
    public async Task An_unknown_facility_gets_ar_and_a_recorded_refusal()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();
        var refusals = (await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(null))).Count;

        await stream.WriteAsync(Frame(MessageFrom("NO SUCH LAB", "UNK-1")));
        var ack = await ReadAckAsync(stream);

        Assert.Equal("AR", DeliveryHost.AckCode(ack));
        Assert.Contains("MSH-4", ack, StringComparison.Ordinal);
        Assert.Equal(refusals + 1, (await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(null))).Count);
    }

    [Fact]
    public async Task An_organisation_without_this_source_address_gets_ar_and_a_recorded_refusal()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true, mllpSources: ["10.1.2.3"]);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();

        await stream.WriteAsync(Frame(MessageFrom(org.Ogrn, "SRC-1")));
        var ack = await ReadAckAsync(stream);

        Assert.Equal("AR", DeliveryHost.AckCode(ack));
        var refusal = (DeliveryRefused)host.Store.Deserialize(Assert.Single(await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(org.Id))));
        Assert.Equal(new DeliveryRefused(org.Id, "mllp", "source_not_allowed", "127.0.0.1"), refusal);
        Assert.False((await host.DocumentAsync(DeliveryHost.Hl7DocumentId(org.Id, "SRC-1"))).Exists);
    }

    [Fact]
    public async Task A_suspended_organisation_gets_ar_over_mllp_and_a_recorded_refusal()
    {
        var org = await host.CreateOrganizationAsync(confirm: true, enable: true, mllpSources: ["127.0.0.1"], suspend: true);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();

        await stream.WriteAsync(Frame(MessageFrom(org.Ogrn, "SUSP-1")));
        var ack = await ReadAckAsync(stream);

        Assert.Equal("AR", DeliveryHost.AckCode(ack));
        var refusal = (DeliveryRefused)host.Store.Deserialize(Assert.Single(await host.Store.ReadStreamAsync(StreamIds.DeliveryRefusals(org.Id))));
        Assert.Equal("suspended", refusal.Reason);
    }

    [Fact]
    public async Task Garbage_between_frames_and_an_oversized_frame_leave_the_connection_usable()
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();

        await stream.WriteAsync("garbage outside any frame\r\n"u8.ToArray());
        var huge = MessageFrom(host.Lab.Ogrn, "HUGE-1").Concat(Encoding.ASCII.GetBytes("NTE|1||" + new string('x', 1100 * 1024) + "\r")).ToArray();
        await stream.WriteAsync(Frame(huge));
        var tooLarge = await ReadAckAsync(stream);
        await stream.WriteAsync(Frame(MessageFrom(host.Lab.Ogrn, "AFTER-HUGE")));
        var after = await ReadAckAsync(stream);

        Assert.Equal("AR", DeliveryHost.AckCode(tooLarge));
        Assert.Equal("AA", DeliveryHost.AckCode(after));
    }

    [Fact]
    public async Task Frames_split_into_single_bytes_or_sent_together_each_get_their_ack()
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", host.MllpPort);
        var stream = client.GetStream();

        // One frame, byte by byte (a start block inside it throws away what came before, as after a broken frame).
        var trickled = Frame(MessageFrom(host.Lab.Ogrn, "TRICKLE-1"));
        foreach (var b in (byte[])[0x0B, .. "cut off"u8, .. trickled])
        {
            await stream.WriteAsync(new[] { b });
            await stream.FlushAsync();
        }

        var first = await ReadAckAsync(stream);

        // Three frames in one write, the first ending without its CR.
        var together = Frame(MessageFrom(host.Lab.Ogrn, "TOGETHER-1"))[..^1]
            .Concat(Frame(MessageFrom(host.Lab.Ogrn, "TOGETHER-2")))
            .Concat(Frame(MessageFrom(host.Lab.Ogrn, "TOGETHER-3")))
            .ToArray();
        await stream.WriteAsync(together);
        var acks = new[] { await ReadAckAsync(stream), await ReadAckAsync(stream), await ReadAckAsync(stream) };

        Assert.Contains("MSA|AA|TRICKLE-1", first, StringComparison.Ordinal);
        Assert.Contains("MSA|AA|TOGETHER-1", acks[0], StringComparison.Ordinal);
        Assert.Contains("MSA|AA|TOGETHER-2", acks[1], StringComparison.Ordinal);
        Assert.Contains("MSA|AA|TOGETHER-3", acks[2], StringComparison.Ordinal);
        foreach (var id in new[] { "TRICKLE-1", "TOGETHER-1", "TOGETHER-2", "TOGETHER-3" })
        {
            Assert.True((await host.DocumentAsync(DeliveryHost.Hl7DocumentId(host.Lab.Id, id))).Exists, id);
        }
    }
}
