namespace Ledger.EventStore.Protection;

/// <summary>A data key wrapped (encrypted) by the master key named <see cref="MasterKeyId"/>.</summary>
public readonly record struct WrappedDataKey(string MasterKeyId, byte[] Wrapped);

/// <summary>
/// Holds the master keys that wrap the per-subject data keys. The master keys never leave the provider: an
/// implementation may keep them in memory (<see cref="ConfiguredMasterKeys"/>) or in a key management service.
/// </summary>
public interface IMasterKeyProvider
{
    /// <summary>The id of the master key that wraps new data keys (and re-wraps old ones on rotation).</summary>
    string CurrentKeyId { get; }

    /// <summary>Whether a master key with this id is available for unwrapping.</summary>
    bool Contains(string keyId);

    /// <summary>
    /// Wraps a data key with the current master key. The subject id is authenticated with it, so a wrapped key
    /// copied to another subject's row does not unwrap.
    /// </summary>
    WrappedDataKey Wrap(ReadOnlySpan<byte> dataKey, Guid subjectId);

    /// <summary>
    /// Unwraps a data key. Throws <see cref="UnknownMasterKeyException"/> when the master key id is not
    /// available and <see cref="DataKeyCorruptedException"/> when the wrapped bytes fail authentication.
    /// </summary>
    byte[] Unwrap(string keyId, ReadOnlySpan<byte> wrapped, Guid subjectId);
}
