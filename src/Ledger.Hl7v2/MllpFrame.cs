namespace Ledger.Hl7v2;

/// <summary>
/// One MLLP frame (<c>0x0B</c> content <c>0x1C 0x0D</c>) as read by <see cref="MllpFrameReader"/>, and the writing of
/// one. The content is the message bytes without the framing.
/// </summary>
/// <param name="Content">The bytes between the start block and the end block, at most the reader's limit.</param>
/// <param name="Oversized">True when the frame was longer than the reader's limit: <see cref="Content"/> then holds
/// only its first bytes, and the rest of the frame was read and dropped.</param>
public readonly record struct MllpFrame(ReadOnlyMemory<byte> Content, bool Oversized)
{
    /// <summary>The start block, <c>0x0B</c> (vertical tab).</summary>
    public const byte StartBlock = 0x0B;

    /// <summary>The end block, <c>0x1C</c> (file separator).</summary>
    public const byte EndBlock = 0x1C;

    /// <summary>The carriage return that follows the end block, <c>0x0D</c>.</summary>
    public const byte CarriageReturn = 0x0D;

    /// <summary>The bytes of a frame holding <paramref name="content"/>: start block, content, end block, CR.</summary>
    public static byte[] Encode(ReadOnlySpan<byte> content)
    {
        var framed = new byte[content.Length + 3];
        framed[0] = StartBlock;
        content.CopyTo(framed.AsSpan(1));
        framed[^2] = EndBlock;
        framed[^1] = CarriageReturn;
        return framed;
    }

    /// <summary>Writes a frame holding <paramref name="content"/> to <paramref name="stream"/> in one write.</summary>
    public static ValueTask WriteAsync(Stream stream, ReadOnlySpan<byte> content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.WriteAsync(Encode(content), cancellationToken);
    }
}
