using System.Text;
using Xunit;

namespace Ledger.Hl7v2.Tests;

public sealed class MllpFrameTests
{
    private const int Limit = 1024;

    [Fact]
    public void Encode_wraps_the_content_in_start_and_end_blocks()
    {
        Assert.Equal(new byte[] { 0x0B, (byte)'M', (byte)'S', (byte)'H', 0x1C, 0x0D }, MllpFrame.Encode("MSH"u8));
        Assert.Equal(new byte[] { 0x0B, 0x1C, 0x0D }, MllpFrame.Encode([]));
    }

    [Fact]
    public async Task A_written_frame_reads_back()
    {
        using var stream = new MemoryStream();
        await MllpFrame.WriteAsync(stream, "MSH|^~\\&|A\rMSA|AA|1\r"u8, CancellationToken.None);
        stream.Position = 0;
        Assert.Equal(["MSH|^~\\&|A\rMSA|AA|1\r"], await ReadAllAsync(stream.ToArray(), Limit));
    }

    [Fact]
    public async Task Frames_are_read_in_order_and_bytes_between_them_are_skipped()
    {
        var input = Bytes("noise\u000Bfirst\u001C\r\r\n  \u000Bsecond\u001C\rtrailing");
        Assert.Equal(["first", "second"], await ReadAllAsync(input, Limit));
    }

    [Fact]
    public async Task A_frame_arriving_one_byte_at_a_time_is_reassembled()
    {
        var input = Bytes("\u000Bon\u001Ce\u001C\r\u000Btwo\u001C\u001C\r");
        using var stream = new TrickleStream(input);
        var reader = new MllpFrameReader(stream, Limit);
        Assert.Equal("on\u001Ce", Text(await reader.ReadAsync(CancellationToken.None)));
        Assert.Equal("two\u001C", Text(await reader.ReadAsync(CancellationToken.None)));
        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task An_end_block_not_followed_by_cr_is_content()
    {
        Assert.Equal(["a\u001Cb"], await ReadAllAsync(Bytes("\u000Ba\u001Cb\u001C\r"), Limit));
        Assert.Equal(["a\u001C"], await ReadAllAsync(Bytes("\u000Ba\u001C\u001C\r"), Limit));
    }

    [Fact]
    public async Task A_start_block_inside_a_frame_drops_the_unfinished_frame()
    {
        Assert.Equal(["good"], await ReadAllAsync(Bytes("\u000Bbroken\u000Bgood\u001C\r"), Limit));
    }

    [Fact]
    public async Task An_end_block_followed_by_a_start_block_ends_the_frame()
    {
        Assert.Equal(["one", "two"], await ReadAllAsync(Bytes("\u000Bone\u001C\u000Btwo\u001C\r"), Limit));
    }

    [Fact]
    public async Task A_frame_over_the_limit_is_read_to_its_end_and_flagged()
    {
        using var stream = new MemoryStream(Bytes("\u000B0123456789\u001C\r\u000Bok\u001C\r"));
        var reader = new MllpFrameReader(stream, 4);
        var big = await reader.ReadAsync(CancellationToken.None);
        Assert.True(big!.Value.Oversized);
        Assert.Equal("0123", Text(big));
        var next = await reader.ReadAsync(CancellationToken.None);
        Assert.False(next!.Value.Oversized);
        Assert.Equal("ok", Text(next));
    }

    [Fact]
    public async Task A_frame_of_exactly_the_limit_is_not_oversized()
    {
        using var stream = new MemoryStream(Bytes("\u000B0123\u001C\r"));
        var frame = await new MllpFrameReader(stream, 4).ReadAsync(CancellationToken.None);
        Assert.False(frame!.Value.Oversized);
        Assert.Equal("0123", Text(frame));
    }

    [Fact]
    public async Task The_stream_ending_inside_a_frame_gives_no_frame()
    {
        Assert.Empty(await ReadAllAsync(Bytes("\u000Bpartial"), Limit));
        Assert.Empty(await ReadAllAsync(Bytes("no frame at all"), Limit));
        Assert.Empty(await ReadAllAsync([], Limit));
    }

    [Fact]
    public async Task An_end_block_as_the_last_byte_ends_the_frame()
    {
        Assert.Equal(["last"], await ReadAllAsync(Bytes("\u000Blast\u001C"), Limit));
    }

    [Fact]
    public void A_negative_limit_is_refused()
    {
        using var stream = new MemoryStream();
        Assert.Throws<ArgumentOutOfRangeException>(() => new MllpFrameReader(stream, -1));
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    private static string Text(MllpFrame? frame) => Encoding.Latin1.GetString(frame!.Value.Content.Span);

    private static async Task<List<string>> ReadAllAsync(byte[] input, int limit)
    {
        using var stream = new MemoryStream(input);
        var reader = new MllpFrameReader(stream, limit);
        var frames = new List<string>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            Assert.False(frame.Oversized);
            frames.Add(Text(frame));
        }

        return frames;
    }

    /// <summary>A read-only stream that hands out one byte per read, as a slow network peer would.</summary>
    private sealed class TrickleStream(byte[] data) : Stream
    {
        private int position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position
        {
            get => position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position == data.Length || count == 0)
            {
                return 0;
            }

            buffer[offset] = data[position++];
            return 1;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
