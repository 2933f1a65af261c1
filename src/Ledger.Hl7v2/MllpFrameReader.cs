namespace Ledger.Hl7v2;

/// <summary>
/// Reads MLLP frames from a stream, one at a time. Bytes outside a frame are skipped. A start block inside a frame
/// drops the unfinished frame and starts a new one; an end block followed directly by a start block ends the frame
/// (the missing CR is tolerated); an end block followed by anything else is content. A frame longer than the limit is
/// read to its end and returned flagged <see cref="MllpFrame.Oversized"/>, so that the next frame can be read.
/// </summary>
public sealed class MllpFrameReader
{
    private readonly Stream stream;
    private readonly int limit;
    private readonly byte[] buffer = new byte[64 * 1024];
    private int position;
    private int length;

    /// <summary>Reads from <paramref name="stream"/>, keeping at most <paramref name="maxContentBytes"/> of each frame.</summary>
    public MllpFrameReader(Stream stream, int maxContentBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(maxContentBytes);
        this.stream = stream;
        limit = maxContentBytes;
    }

    /// <summary>
    /// The next frame, or null when the stream ends first (before a start block, or inside a frame: an unfinished
    /// frame is never returned). An end block that is the last byte of the stream ends its frame.
    /// </summary>
    public async Task<MllpFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        // Find the start block.
        while (true)
        {
            if (!await FillAsync(cancellationToken))
            {
                return null;
            }

            var start = buffer.AsSpan(position, length - position).IndexOf(MllpFrame.StartBlock);
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
            var special = available.IndexOfAny(MllpFrame.StartBlock, MllpFrame.EndBlock);
            if (special < 0)
            {
                Append(content, available, ref oversized);
                position = length;
                continue;
            }

            Append(content, available[..special], ref oversized);
            position += special + 1;
            if (available[special] == MllpFrame.StartBlock)
            {
                // A new frame began before this one ended: drop the broken one.
                content.SetLength(0);
                oversized = false;
                continue;
            }

            var next = await NextAsync(cancellationToken);
            if (next == MllpFrame.CarriageReturn || next < 0)
            {
                return new MllpFrame(content.ToArray(), oversized);
            }

            if (next == MllpFrame.StartBlock)
            {
                // A frame ended without CR and the next began: answer this one; the next is read from scratch.
                position--;
                return new MllpFrame(content.ToArray(), oversized);
            }

            Append(content, [MllpFrame.EndBlock], ref oversized);
            if (next != MllpFrame.EndBlock)
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
