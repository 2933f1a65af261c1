namespace Ledger.EventStore.MartenStore;

/// <summary>
/// The bytes an event's payload is stored as in <c>mt_events.bdata</c> (Marten's binary event column), exactly the
/// bytes the hash chain covers. The first byte says the form:
/// <list type="bullet">
/// <item><c>1</c>, in the clear: then the payload's UTF-8 JSON;</item>
/// <item><c>2</c>, sealed: then the data key id, the stream id and the event id (16 bytes each, RFC 4122 byte order)
/// and the AES-256-GCM envelope of the JSON, whose associated data binds it to that stream and event.</item>
/// </list>
/// </summary>
public static class StoredPayload
{
    public const byte Clear = 1;

    public const byte Sealed = 2;

    private const int IdsLength = 48;

    public static byte[] ForClear(ReadOnlySpan<byte> json)
    {
        var bytes = new byte[1 + json.Length];
        bytes[0] = Clear;
        json.CopyTo(bytes.AsSpan(1));
        return bytes;
    }

    public static byte[] ForSealed(Guid keyId, Guid streamId, Guid eventId, ReadOnlySpan<byte> envelope)
    {
        var bytes = new byte[1 + IdsLength + envelope.Length];
        bytes[0] = Sealed;
        WriteGuid(bytes.AsSpan(1, 16), keyId);
        WriteGuid(bytes.AsSpan(17, 16), streamId);
        WriteGuid(bytes.AsSpan(33, 16), eventId);
        envelope.CopyTo(bytes.AsSpan(1 + IdsLength));
        return bytes;
    }

    /// <summary>Reads the stored form; throws <see cref="FormatException"/> when the bytes are neither.</summary>
    public static Parsed Parse(ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (span.IsEmpty)
        {
            throw new FormatException("an empty stored payload");
        }

        return span[0] switch
        {
            Clear => new Parsed(null, null, null, stored[1..]),
            Sealed when span.Length > 1 + IdsLength => new Parsed(
                new Guid(span.Slice(1, 16), bigEndian: true),
                new Guid(span.Slice(17, 16), bigEndian: true),
                new Guid(span.Slice(33, 16), bigEndian: true),
                stored[(1 + IdsLength)..]),
            _ => throw new FormatException($"a stored payload of unknown form {span[0]}"),
        };
    }

    private static void WriteGuid(Span<byte> target, Guid value)
    {
        if (!value.TryWriteBytes(target, bigEndian: true, out _))
        {
            throw new InvalidOperationException("a uuid needs 16 bytes");
        }
    }

    /// <summary>A stored payload taken apart: for a sealed one its key, stream and event ids and the envelope; for a clear one the JSON.</summary>
    public readonly record struct Parsed(Guid? KeyId, Guid? StreamId, Guid? EventId, ReadOnlyMemory<byte> Body)
    {
        public bool IsSealed => KeyId is not null;
    }
}
