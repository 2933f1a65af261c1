using System.Security.Cryptography;
using System.Text;

namespace Ledger.EventStore.Protection;

/// <summary>
/// Master keys held in memory, read from configuration text: one or more entries <c>id:base64</c> separated by
/// commas or line breaks, each key 32 bytes (AES-256). The first entry is the current key, which wraps new
/// data keys; the others only unwrap (keep an old key listed until <see cref="DataKeyProtector.RotateMasterKeyAsync"/>
/// has re-wrapped everything under the current one). Wrapping is AES-256-GCM with a random nonce and the
/// master key id and subject id as associated data.
/// </summary>
public sealed class ConfiguredMasterKeys : IMasterKeyProvider
{
    /// <summary>The environment variable read by default.</summary>
    public const string DefaultVariable = "LEDGER_MASTER_KEYS";

    private readonly Dictionary<string, byte[]> keys = new(StringComparer.Ordinal);

    /// <summary>Master keys given directly; the first is current.</summary>
    public ConfiguredMasterKeys(params (string Id, byte[] Key)[] keys)
        : this(keys, "master keys")
    {
    }

    private ConfiguredMasterKeys(IReadOnlyList<(string Id, byte[] Key)> entries, string source)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            throw new KeyConfigurationException($"{source}: no master key is configured (expected id:base64[,id:base64...])");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var (id, key) = entries[i];
            var entry = $"{source}: entry {i + 1}";
            if (!IsValidId(id))
            {
                throw new KeyConfigurationException($"{entry}: the id must be 1-64 characters of A-Z a-z 0-9 . _ -");
            }

            if (key is null || key.Length != AesGcmEnvelope.KeySize)
            {
                throw new KeyConfigurationException($"{entry} (id '{id}'): the key is {key?.Length ?? 0} bytes, an AES-256 master key is {AesGcmEnvelope.KeySize}");
            }

            if (!this.keys.TryAdd(id, key.ToArray()))
            {
                throw new KeyConfigurationException($"{entry}: the id '{id}' is used twice");
            }
        }

        CurrentKeyId = entries[0].Id;
        KeyIds = entries.Select(e => e.Id).ToList();
    }

    public string CurrentKeyId { get; }

    /// <summary>The configured ids, current first.</summary>
    public IReadOnlyList<string> KeyIds { get; }

    /// <summary>Parses <c>id:base64[,id:base64...]</c>; <paramref name="source"/> names where the text came from in errors.</summary>
    public static ConfiguredMasterKeys Parse(string text, string source = "master keys")
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<(string Id, byte[] Key)>();
        var items = KeyText.Entries(text);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw new KeyConfigurationException($"{source}: entry {i + 1} is not of the form id:base64");
            }

            var id = item[..colon].Trim();
            if (!IsValidId(id))
            {
                throw new KeyConfigurationException($"{source}: entry {i + 1}: the id must be 1-64 characters of A-Z a-z 0-9 . _ -");
            }

            entries.Add((id, KeyText.Base64(item[(colon + 1)..].Trim(), $"{source}: entry {i + 1} (id '{id}'): the key")));
        }

        return new ConfiguredMasterKeys(entries, source);
    }

    /// <summary>Reads the keys from an environment variable (by default <c>LEDGER_MASTER_KEYS</c>).</summary>
    public static ConfiguredMasterKeys FromEnvironment(string variable = DefaultVariable)
    {
        var (text, source) = KeyText.FromEnvironment(variable);
        return Parse(text, source);
    }

    /// <summary>Reads the keys from a file: entries separated by commas or lines; lines starting with '#' are comments.</summary>
    public static ConfiguredMasterKeys FromFile(string path)
    {
        var (text, source) = KeyText.FromFile(path);
        return Parse(text, source);
    }

    public bool Contains(string keyId) => keys.ContainsKey(keyId);

    public WrappedDataKey Wrap(ReadOnlySpan<byte> dataKey, Guid subjectId)
    {
        var id = CurrentKeyId;
        return new WrappedDataKey(id, AesGcmEnvelope.Seal(keys[id], dataKey, AssociatedData(id, subjectId)));
    }

    public byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, Guid subjectId)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        if (!keys.TryGetValue(keyId, out var key))
        {
            throw new UnknownMasterKeyException(keyId);
        }

        try
        {
            return AesGcmEnvelope.Open(key, wrapped, AssociatedData(keyId, subjectId));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException)
        {
            throw new DataKeyCorruptedException(keyId, null, ex);
        }
    }

    private static bool IsValidId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static byte[] AssociatedData(string keyId, Guid subjectId) => Encoding.ASCII.GetBytes($"{keyId}/{subjectId:D}");
}
