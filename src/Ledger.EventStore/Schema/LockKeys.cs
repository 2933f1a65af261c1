using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore.Schema;

/// <summary>Advisory lock keys. Stable across processes and versions: never change how they are derived.</summary>
public static class LockKeys
{
    /// <summary>The single bigint key that serializes migrations of one schema.</summary>
    public static long Migrations(string schema) => Hash64("migrations:" + schema);

    /// <summary>The class (first int4 key) of the per-stream append locks of one schema.</summary>
    public static int StreamClass(string schema) => unchecked((int)Hash64("streams:" + schema));

    /// <summary>The object (second int4 key) of a stream's append lock.</summary>
    public static int Stream(Guid streamId)
    {
        Span<byte> bytes = stackalloc byte[16];
        streamId.TryWriteBytes(bytes);
        var a = BitConverter.ToInt32(bytes[..4]);
        var b = BitConverter.ToInt32(bytes[4..8]);
        var c = BitConverter.ToInt32(bytes[8..12]);
        var d = BitConverter.ToInt32(bytes[12..]);
        return a ^ b ^ c ^ d;
    }

    /// <summary>A bigint key for any named lock (the append barrier and the like).</summary>
    public static long Named(string schema, string name) => Hash64(schema + ":" + name);

    private static long Hash64(string text) => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
}
