using System.Text;
using System.Text.Json;

namespace Ledger.EventStore.Checkpoints;

/// <summary>
/// A checkpoint with the digest of its predecessor and its signature. Both are covered by the signature:
/// <c>Signature = ECDSA-P256-SHA256(Checkpoint.CanonicalBytes(PreviousDigest))</c>, as r ‖ s (64 bytes).
/// </summary>
/// <remarks>
/// Its export line is one JSON object, <c>{"checkpoint": {…}}</c>, with camelCase fields: <c>format</c>
/// (<c>ledger.checkpoint.v1</c>), <c>sequence</c>, <c>globalPosition</c>, <c>createdAtMicros</c>, <c>previousDigest</c>,
/// <c>heads</c> (an array of <c>{streamId, version, hash}</c> in canonical order), <c>keyId</c> and <c>signature</c>.
/// Every hash, the previous digest and the signature are lower-case hex.
/// </remarks>
public sealed record SignedCheckpoint
{
    public const int SignatureLength = 64;
    public const string Format = "ledger.checkpoint.v1";

    public SignedCheckpoint(Checkpoint checkpoint, byte[] previousDigest, string keyId, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(previousDigest);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentNullException.ThrowIfNull(signature);
        if (previousDigest.Length != Checkpoint.DigestLength)
        {
            throw new ArgumentException($"a previous digest has {Checkpoint.DigestLength} bytes, not {previousDigest.Length}", nameof(previousDigest));
        }

        if (signature.Length != SignatureLength)
        {
            throw new ArgumentException($"a P-256 signature (r ‖ s) has {SignatureLength} bytes, not {signature.Length}", nameof(signature));
        }

        Checkpoint = checkpoint;
        PreviousDigest = (byte[])previousDigest.Clone();
        KeyId = keyId;
        Signature = (byte[])signature.Clone();
    }

    public Checkpoint Checkpoint { get; }

    /// <summary>SHA-256 of the previous checkpoint's canonical bytes; 32 zero bytes for the first.</summary>
    public byte[] PreviousDigest { get; }

    /// <summary>The signing key's id: the first 16 hex digits of the SHA-256 of its SubjectPublicKeyInfo.</summary>
    public string KeyId { get; }

    /// <summary>IEEE P1363 form: r ‖ s, 32 bytes each.</summary>
    public byte[] Signature { get; }

    /// <summary>The bytes that were signed.</summary>
    public byte[] CanonicalBytes() => Checkpoint.CanonicalBytes(PreviousDigest);

    /// <summary>What the next checkpoint names as its previous digest.</summary>
    public byte[] Digest() => Checkpoint.Digest(PreviousDigest);

    /// <summary>The export line, without its line feed.</summary>
    public string ToJsonLine()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("checkpoint");
            json.WriteString("format", Format);
            json.WriteNumber("sequence", Checkpoint.Sequence);
            json.WriteNumber("globalPosition", Checkpoint.GlobalPosition);
            json.WriteNumber("createdAtMicros", Checkpoint.CreatedAtMicroseconds);
            json.WriteString("previousDigest", Convert.ToHexStringLower(PreviousDigest));
            json.WriteStartArray("heads");
            foreach (var head in Checkpoint.Heads)
            {
                json.WriteStartObject();
                json.WriteString("streamId", head.StreamId.ToString("D"));
                json.WriteNumber("version", head.Version);
                json.WriteString("hash", Convert.ToHexStringLower(head.Hash));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteString("keyId", KeyId);
            json.WriteString("signature", Convert.ToHexStringLower(Signature));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Reads an export line written by <see cref="ToJsonLine"/>; a <see cref="FormatException"/> names the offending field.</summary>
    public static SignedCheckpoint FromJsonLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException error)
        {
            throw new FormatException($"not a JSON line: {error.Message}", error);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("checkpoint", out var body)
                || body.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("not a checkpoint line: it has no \"checkpoint\" object");
            }

            if (Text(body, "format") != Format)
            {
                throw new FormatException($"format: expected {Format}");
            }

            var heads = new List<StreamHeadEntry>();
            if (!body.TryGetProperty("heads", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("heads: missing or not an array");
            }

            foreach (var head in array.EnumerateArray())
            {
                var stream = Text(head, "streamId");
                if (!Guid.TryParseExact(stream, "D", out var streamId))
                {
                    throw new FormatException($"heads[{heads.Count}].streamId: not a uuid");
                }

                heads.Add(Build(() => new StreamHeadEntry(streamId, Number(head, "version"), Hex(head, "hash")), $"heads[{heads.Count}]"));
            }

            var checkpoint = Build(
                () => new Checkpoint(Number(body, "sequence"), Number(body, "globalPosition"), NodaTime.Instant.FromUnixTimeTicks(checked(Number(body, "createdAtMicros") * 10)), heads),
                "checkpoint");
            return Build(() => new SignedCheckpoint(checkpoint, Hex(body, "previousDigest"), Text(body, "keyId"), Hex(body, "signature")), "checkpoint");
        }
    }

    public bool Equals(SignedCheckpoint? other) =>
        other is not null && Checkpoint.Equals(other.Checkpoint) && PreviousDigest.AsSpan().SequenceEqual(other.PreviousDigest)
        && string.Equals(KeyId, other.KeyId, StringComparison.Ordinal) && Signature.AsSpan().SequenceEqual(other.Signature);

    public override int GetHashCode() => HashCode.Combine(Checkpoint, KeyId);

    public override string ToString() => $"{Checkpoint}, key {KeyId}";

    private static T Build<T>(Func<T> create, string where)
    {
        try
        {
            return create();
        }
        catch (ArgumentException error)
        {
            throw new FormatException($"{where}: {error.Message}", error);
        }
        catch (OverflowException error)
        {
            throw new FormatException($"{where}: {error.Message}", error);
        }
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{name}: missing or not a string");

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : throw new FormatException($"{name}: missing or not an integer");

    private static byte[] Hex(JsonElement element, string name)
    {
        var text = Text(element, name);
        try
        {
            return Convert.FromHexString(text);
        }
        catch (FormatException error)
        {
            throw new FormatException($"{name}: not hex", error);
        }
    }
}
