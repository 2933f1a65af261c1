namespace Ledger.EventStore.Protection;

/// <summary>Key configuration (master keys, identifier hash key) is missing or malformed. Never carries key material.</summary>
public sealed class KeyConfigurationException(string message) : Exception(message);

/// <summary>The subject's data key has been destroyed: nothing can be encrypted for it any more.</summary>
public sealed class SubjectErasedException(Guid subjectId)
    : Exception($"subject {subjectId} is erased (its data key was destroyed): nothing more can be encrypted for it")
{
    public Guid SubjectId { get; } = subjectId;
}

/// <summary>An encrypted payload failed authentication: it was altered, truncated, or moved from another row.</summary>
public sealed class PayloadTamperedException(Guid keyId, string detail, Exception? innerException = null)
    : Exception($"the payload encrypted under data key {keyId} failed authentication ({detail}): it was altered or does not belong to this row", innerException)
{
    public Guid KeyId { get; } = keyId;
}

/// <summary>A data key is wrapped by a master key that is not configured.</summary>
public sealed class UnknownMasterKeyException(string masterKeyId, Guid? dataKeyId = null)
    : Exception(dataKeyId is { } id
        ? $"data key {id} is wrapped by master key '{masterKeyId}', which is not configured: add it back to the master keys (after a rotation it may be removed)"
        : $"master key '{masterKeyId}' is not configured")
{
    public string MasterKeyId { get; } = masterKeyId;

    public Guid? DataKeyId { get; } = dataKeyId;
}

/// <summary>A wrapped data key failed authentication under its master key: the row or the master key is wrong.</summary>
public sealed class DataKeyCorruptedException(string masterKeyId, Guid? dataKeyId = null, Exception? innerException = null)
    : Exception(dataKeyId is { } id
        ? $"data key {id} does not unwrap under master key '{masterKeyId}': the wrapped key was altered or the master key with that id is not the one that wrapped it"
        : $"a data key does not unwrap under master key '{masterKeyId}'", innerException)
{
    public string MasterKeyId { get; } = masterKeyId;

    public Guid? DataKeyId { get; } = dataKeyId;
}

/// <summary>A payload names a data key that does not exist.</summary>
public sealed class DataKeyNotFoundException(Guid keyId)
    : Exception($"data key {keyId} does not exist")
{
    public Guid KeyId { get; } = keyId;
}
