using System.Collections.Concurrent;
using System.Security.Cryptography;
using NodaTime;
using Npgsql;
using NpgsqlTypes;

namespace Ledger.EventStore.Protection;

/// <summary>
/// Encrypts payloads with AES-256-GCM under one 256-bit data key per subject, kept in <c>{schema}.data_keys</c>
/// wrapped by a master key. Destroying a subject's key (crypto-shredding) makes every payload encrypted for it
/// unreadable for ever, while the rows, their envelopes and the hash chain stay intact.
/// </summary>
/// <remarks>
/// Unwrapped data keys are cached in memory for <see cref="CacheTtl"/> so that reads do not query the key table
/// per row. A key destroyed through this instance stops decrypting here at once; another instance (another
/// node) that cached the key goes on decrypting, and encrypting, with it until its cache entry expires, so
/// for at most <see cref="CacheTtl"/>. Payloads encrypted in that window are erased along with the rest.
/// </remarks>
public sealed class DataKeyProtector : IPayloadProtector
{
    /// <summary>How long an unwrapped data key is cached when no other time is given.</summary>
    public static readonly Duration DefaultCacheTtl = Duration.FromSeconds(30);

    /// <summary>
    /// Payloads at least this long (in bytes) are compressed before they are encrypted, when compression makes them
    /// shorter: a typical lab report of 5 kB becomes about 1 kB and stays in the event row instead of being moved out
    /// of line by PostgreSQL.
    /// </summary>
    public const int DefaultCompressionThreshold = 512;

    private const int MaxCachedKeys = 100_000;
    private const int CountCheckInterval = 256;

    private readonly NpgsqlDataSource dataSource;
    private readonly string schema;
    private readonly IMasterKeyProvider masterKeys;
    private readonly IClock clock;
    private readonly ConcurrentDictionary<Guid, CachedKey> byKey = new();
    private readonly ConcurrentDictionary<Guid, CachedKey> bySubject = new();
    private long remembered;

    /// <param name="dataSource">The database of the event store.</param>
    /// <param name="schema">The event store's schema (the one holding <c>data_keys</c>).</param>
    /// <param name="masterKeys">The master keys that wrap the data keys.</param>
    /// <param name="clock">Gives creation and destruction times and ages cache entries.</param>
    /// <param name="cacheTtl">How long an unwrapped data key is cached; <see cref="Duration.Zero"/> disables the cache. Default 30 s.</param>
    /// <param name="compressionThreshold">
    /// Payloads at least this long are compressed before encryption (<see cref="DefaultCompressionThreshold"/> when
    /// null); <see cref="int.MaxValue"/> turns compression off. Reading handles both forms whatever this is.
    /// </param>
    public DataKeyProtector(NpgsqlDataSource dataSource, string schema, IMasterKeyProvider masterKeys, IClock clock, Duration? cacheTtl = null, int? compressionThreshold = null)
    {
        this.dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        new EventStoreOptions { Schema = schema }.Validate();
        this.schema = schema;
        this.masterKeys = masterKeys ?? throw new ArgumentNullException(nameof(masterKeys));
        this.clock = clock ?? throw new ArgumentNullException(nameof(clock));
        CacheTtl = cacheTtl ?? DefaultCacheTtl;
        CompressionThreshold = compressionThreshold ?? DefaultCompressionThreshold;
        if (CompressionThreshold < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(compressionThreshold), "the compression threshold cannot be negative");
        }

        if (CacheTtl < Duration.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(cacheTtl), "the cache time to live cannot be negative");
        }
    }

    /// <summary>How long an unwrapped data key stays cached.</summary>
    public Duration CacheTtl { get; }

    /// <summary>The payload length (bytes) from which payloads are compressed before they are encrypted.</summary>
    public int CompressionThreshold { get; }

    public async Task<EncryptedPayload> EncryptAsync(Guid subjectId, ReadOnlyMemory<byte> plaintext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken)
    {
        var key = await SubjectKeyAsync(subjectId, cancellationToken);
        if (key.Key is null)
        {
            throw new SubjectErasedException(subjectId);
        }

        return new EncryptedPayload(key.KeyId, AesGcmEnvelope.SealCompressed(key.Key, plaintext.Span, associatedData.Span, CompressionThreshold));
    }

    public async Task<IReadOnlyList<EncryptedPayload>> EncryptManyAsync(Guid subjectId, IReadOnlyList<(ReadOnlyMemory<byte> Plaintext, ReadOnlyMemory<byte> AssociatedData)> payloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var key = await SubjectKeyAsync(subjectId, cancellationToken);
        if (key.Key is null)
        {
            throw new SubjectErasedException(subjectId);
        }

        using var aes = new System.Security.Cryptography.AesGcm(key.Key, AesGcmEnvelope.TagSize);
        var result = new EncryptedPayload[payloads.Count];
        for (var i = 0; i < payloads.Count; i++)
        {
            result[i] = new EncryptedPayload(key.KeyId, AesGcmEnvelope.SealCompressed(aes, payloads[i].Plaintext.Span, payloads[i].AssociatedData.Span, CompressionThreshold));
        }

        return result;
    }

    public async Task<byte[]?> DecryptAsync(Guid keyId, ReadOnlyMemory<byte> ciphertext, ReadOnlyMemory<byte> associatedData, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(keyId, cancellationToken);
        if (key.Key is null)
        {
            return null;
        }

        try
        {
            return AesGcmEnvelope.Open(key.Key, ciphertext.Span, associatedData.Span);
        }
        catch (FormatException ex)
        {
            throw new PayloadTamperedException(keyId, ex.Message, ex);
        }
        catch (CryptographicException ex)
        {
            throw new PayloadTamperedException(keyId, "the authentication tag does not match", ex);
        }
    }

    /// <summary>
    /// Crypto-shreds a subject: its data key is deleted (the wrapped key set to NULL, the destruction time
    /// recorded), so its payloads can never be decrypted again and nothing more is encrypted for it. A subject
    /// without a key gets a destroyed one, so none is created later. Idempotent. True when a live key was
    /// destroyed by this call.
    /// </summary>
    public async Task<bool> DestroyKeyAsync(Guid subjectId, CancellationToken cancellationToken = default)
    {
        var now = clock.GetCurrentInstant();
        var tombstone = Guid.NewGuid();
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {schema}.data_keys (key_id, subject_id, wrapped_key, master_key_id, created_at, destroyed_at)
            VALUES (@key, @subject, NULL, NULL, @at, @at)
            ON CONFLICT (subject_id) DO UPDATE SET wrapped_key = NULL, master_key_id = NULL, destroyed_at = @at
                WHERE data_keys.destroyed_at IS NULL
            RETURNING key_id
            """);
        command.Parameters.AddWithValue("key", tombstone);
        command.Parameters.AddWithValue("subject", subjectId);
        command.Parameters.AddWithValue("at", now.ToDateTimeUtc());
        var result = await command.ExecuteScalarAsync(cancellationToken);

        if (bySubject.TryGetValue(subjectId, out var cached))
        {
            Remember(cached with { Key = null });
        }

        if (result is Guid keyId)
        {
            Remember(new CachedKey(keyId, subjectId, null, now));
            return keyId != tombstone;
        }

        return false;
    }

    /// <summary>Whether the subject's data key has been destroyed (false when the subject has no key).</summary>
    public async Task<bool> IsDestroyedAsync(Guid subjectId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT destroyed_at IS NOT NULL FROM {schema}.data_keys WHERE subject_id = @subject");
        command.Parameters.AddWithValue("subject", subjectId);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Re-wraps every live data key that is not wrapped by the current master key, in batches of
    /// <paramref name="batchSize"/>, each batch in a transaction of its own (so it can be interrupted and run
    /// again). Returns how many keys were re-wrapped. Afterwards the old master keys can be removed from the
    /// configuration. Payload ciphertexts do not change.
    /// </summary>
    public async Task<int> RotateMasterKeyAsync(int batchSize = 500, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var current = masterKeys.CurrentKeyId;
        var after = Guid.Empty;
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var rows = new List<(Guid KeyId, Guid SubjectId, byte[] Wrapped, string MasterKeyId)>();
            await using (var select = new NpgsqlCommand(
                $"""
                 SELECT key_id, subject_id, wrapped_key, master_key_id FROM {schema}.data_keys
                 WHERE key_id > @after AND wrapped_key IS NOT NULL AND master_key_id IS DISTINCT FROM @current
                 ORDER BY key_id LIMIT @n FOR UPDATE
                 """,
                connection,
                transaction))
            {
                select.Parameters.AddWithValue("after", after);
                select.Parameters.AddWithValue("current", current);
                select.Parameters.AddWithValue("n", batchSize);
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add((reader.GetGuid(0), reader.GetGuid(1), (byte[])reader[2], reader.IsDBNull(3) ? string.Empty : reader.GetString(3)));
                }
            }

            if (rows.Count == 0)
            {
                await transaction.CommitAsync(cancellationToken);
                return total;
            }

            var wrapped = new byte[rows.Count][];
            for (var i = 0; i < rows.Count; i++)
            {
                var (keyId, subjectId, oldWrapped, masterKeyId) = rows[i];
                var dataKey = Unwrap(keyId, subjectId, masterKeyId, oldWrapped);
                try
                {
                    var rewrapped = masterKeys.Wrap(dataKey, subjectId);
                    if (rewrapped.MasterKeyId != current)
                    {
                        throw new InvalidOperationException($"the master key provider changed its current key during rotation (from '{current}' to '{rewrapped.MasterKeyId}')");
                    }

                    wrapped[i] = rewrapped.Wrapped;
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(dataKey);
                }
            }

            await using (var update = new NpgsqlCommand(
                $"""
                 UPDATE {schema}.data_keys AS d SET wrapped_key = u.wrapped, master_key_id = @current
                 FROM unnest(@ids, @wrapped) AS u(key_id, wrapped) WHERE d.key_id = u.key_id
                 """,
                connection,
                transaction))
            {
                update.Parameters.AddWithValue("current", current);
                update.Parameters.AddWithValue("ids", rows.Select(r => r.KeyId).ToArray());
                update.Parameters.Add(new NpgsqlParameter("wrapped", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = wrapped });
                await update.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            total += rows.Count;
            after = rows[^1].KeyId;
        }
    }

    /// <summary>The subject's key, created on first use; its <see cref="CachedKey.Key"/> is null when destroyed.</summary>
    private async Task<CachedKey> SubjectKeyAsync(Guid subjectId, CancellationToken cancellationToken)
    {
        if (bySubject.TryGetValue(subjectId, out var cached) && IsFresh(cached))
        {
            return cached;
        }

        // Insert-if-absent and read in one statement: the new key is wrapped beforehand (cheap) in case the subject
        // has none. When another writer creates the subject's key concurrently, the statement sees neither its own
        // row nor the other's, and the key is read again; every writer ends up using the one stored key.
        var newKeyId = Guid.NewGuid();
        var created = RandomNumberGenerator.GetBytes(AesGcmEnvelope.KeySize);
        var wrapped = masterKeys.Wrap(created, subjectId);
        (Guid KeyId, byte[]? Wrapped, string? MasterKeyId)? row;
        await using (var batch = dataSource.CreateBatch())
        {
            // The new key's row commits without waiting for its WAL flush: every event encrypted under it commits
            // later, and flushing that commit flushes the WAL before it, the key's row included. So a key is
            // durable no later than the first event that needs it; one lost in a crash was used by nothing durable.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"));
            var command = new NpgsqlBatchCommand($"""
                WITH created AS (
                    INSERT INTO {schema}.data_keys (key_id, subject_id, wrapped_key, master_key_id, created_at)
                    VALUES (@key, @subject, @wrapped, @master, @at)
                    ON CONFLICT (subject_id) DO NOTHING
                    RETURNING key_id, wrapped_key, master_key_id)
                SELECT key_id, wrapped_key, master_key_id FROM created
                UNION ALL
                SELECT key_id, wrapped_key, master_key_id FROM {schema}.data_keys WHERE subject_id = @subject
                """);
            command.Parameters.AddWithValue("key", newKeyId);
            command.Parameters.AddWithValue("subject", subjectId);
            command.Parameters.AddWithValue("wrapped", wrapped.Wrapped);
            command.Parameters.AddWithValue("master", wrapped.MasterKeyId);
            command.Parameters.AddWithValue("at", clock.GetCurrentInstant().ToDateTimeUtc());
            batch.BatchCommands.Add(command);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            row = await ReadRowAsync(reader, cancellationToken);
        }

        if (row is null)
        {
            await using var command = dataSource.CreateCommand($"SELECT key_id, wrapped_key, master_key_id FROM {schema}.data_keys WHERE subject_id = @subject");
            command.Parameters.AddWithValue("subject", subjectId);
            row = await ReadRowAsync(command, cancellationToken)
                ?? throw new InvalidOperationException($"the data key of subject {subjectId} vanished while it was created");
        }

        if (row.Value.KeyId != newKeyId)
        {
            CryptographicOperations.ZeroMemory(created);
            created = null;
        }

        var (keyId, wrappedKey, masterKeyId) = row.Value;
        var key = wrappedKey is null ? null : created ?? Unwrap(keyId, subjectId, masterKeyId ?? string.Empty, wrappedKey);
        return Remember(new CachedKey(keyId, subjectId, key, clock.GetCurrentInstant()));
    }

    private async Task<CachedKey> KeyAsync(Guid keyId, CancellationToken cancellationToken)
    {
        if (byKey.TryGetValue(keyId, out var cached) && IsFresh(cached))
        {
            return cached;
        }

        await using var command = dataSource.CreateCommand($"SELECT subject_id, wrapped_key, master_key_id FROM {schema}.data_keys WHERE key_id = @key");
        command.Parameters.AddWithValue("key", keyId);
        Guid subjectId;
        byte[]? wrapped;
        string? masterKeyId;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                throw new DataKeyNotFoundException(keyId);
            }

            subjectId = reader.GetGuid(0);
            wrapped = reader.IsDBNull(1) ? null : (byte[])reader[1];
            masterKeyId = reader.IsDBNull(2) ? null : reader.GetString(2);
        }

        var key = wrapped is null ? null : Unwrap(keyId, subjectId, masterKeyId ?? string.Empty, wrapped);
        return Remember(new CachedKey(keyId, subjectId, key, clock.GetCurrentInstant()));
    }

    private static async Task<(Guid KeyId, byte[]? Wrapped, string? MasterKeyId)?> ReadRowAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await ReadRowAsync(reader, cancellationToken);
    }

    private static async Task<(Guid KeyId, byte[]? Wrapped, string? MasterKeyId)?> ReadRowAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return (reader.GetGuid(0), reader.IsDBNull(1) ? null : (byte[])reader[1], reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    private byte[] Unwrap(Guid keyId, Guid subjectId, string masterKeyId, byte[] wrapped)
    {
        try
        {
            return masterKeys.Unwrap(masterKeyId, wrapped, subjectId);
        }
        catch (UnknownMasterKeyException ex) when (ex.DataKeyId is null)
        {
            throw new UnknownMasterKeyException(ex.MasterKeyId, keyId);
        }
        catch (DataKeyCorruptedException ex) when (ex.DataKeyId is null)
        {
            throw new DataKeyCorruptedException(ex.MasterKeyId, keyId, ex.InnerException);
        }
    }

    /// <summary>Destroyed keys stay cached for good (destruction is final); live keys for <see cref="CacheTtl"/>.</summary>
    private bool IsFresh(CachedKey cached) => cached.Key is null || clock.GetCurrentInstant() - cached.LoadedAt < CacheTtl;

    private CachedKey Remember(CachedKey entry)
    {
        if (CacheTtl == Duration.Zero && entry.Key is not null)
        {
            return entry;
        }

        // ConcurrentDictionary.Count takes every lock of the dictionary, so it is looked at once per
        // CountCheckInterval new entries: the cache may exceed its bound by that many.
        if (Interlocked.Increment(ref remembered) % CountCheckInterval == 0 && byKey.Count >= MaxCachedKeys)
        {
            foreach (var stale in byKey.Values.Where(e => !IsFresh(e)).ToList())
            {
                byKey.TryRemove(stale.KeyId, out _);
                bySubject.TryRemove(stale.SubjectId, out _);
            }

            if (byKey.Count >= MaxCachedKeys)
            {
                byKey.Clear();
                bySubject.Clear();
            }
        }

        // Destruction is final: a load that raced with a destruction must not bring the live key back.
        var stored = byKey.AddOrUpdate(entry.KeyId, entry, (_, existing) => existing.Key is null ? existing : entry);
        bySubject.AddOrUpdate(entry.SubjectId, stored, (_, existing) => existing.Key is null && existing.KeyId == stored.KeyId ? existing : stored);
        return stored;
    }

    /// <summary>A data key as known to this node; <see cref="Key"/> is null when it has been destroyed.</summary>
    private sealed record CachedKey(Guid KeyId, Guid SubjectId, byte[]? Key, Instant LoadedAt);
}
