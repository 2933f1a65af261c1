namespace Ledger.EventStore;

/// <summary>The statements of an append, built once per schema.</summary>
internal sealed class AppendSql(string schema)
{
    private const string EventRows = """
        SELECT @stream, u.v, u.e, u.t, u.d, u.x, u.k, u.m, @at, u.h
        FROM unnest(@versions, @ids, @types, @data, @encrypted, @keys, @metadata, @hashes) AS u(v, e, t, d, x, k, m, h)
        """;

    private const string EventColumns = "stream_id, stream_version, event_id, event_type, data, data_encrypted, key_id, metadata, recorded_at, hash";

    private const string Returning = "RETURNING global_position, stream_version, transaction_id::text";

    public string ReadStream { get; } = $"SELECT version, head_hash, archived_at IS NOT NULL, stream_type, updated_at FROM {schema}.streams WHERE stream_id = @id";

    public string ReadVersion { get; } = $"SELECT version FROM {schema}.streams WHERE stream_id = @id";

    public string InsertEvents { get; } = $"INSERT INTO {schema}.events ({EventColumns}) {EventRows} {Returning}";

    public string InsertStream { get; } = $"INSERT INTO {schema}.streams (stream_id, stream_type, version, head_hash, created_at, updated_at) VALUES (@id, @type, @version, @head, @at, @at)";

    public string UpdateStream { get; } = $"UPDATE {schema}.streams SET version = @version, head_hash = @head, updated_at = @at WHERE stream_id = @id";

    public string FindEvents { get; } = $"SELECT event_id, stream_id, stream_version, global_position FROM {schema}.events WHERE event_id = ANY(@ids)";

    /// <summary>Creates the stream and its events only when the stream does not exist yet.</summary>
    public string InsertNewStreamWithEvents { get; } = $"""
        WITH s AS (
            INSERT INTO {schema}.streams (stream_id, stream_type, version, head_hash, created_at, updated_at)
            VALUES (@stream, @type, @version, @head, @at, @at)
            ON CONFLICT (stream_id) DO NOTHING
            RETURNING 1)
        INSERT INTO {schema}.events ({EventColumns}) {EventRows} WHERE EXISTS (SELECT 1 FROM s) {Returning}
        """;

    /// <summary>Creates the stream and its events; fails with a unique violation on <c>streams_pkey</c> when the stream exists.</summary>
    public string InsertNewStreamWithEventsOrFail { get; } = $"""
        WITH s AS (
            INSERT INTO {schema}.streams (stream_id, stream_type, version, head_hash, created_at, updated_at)
            VALUES (@stream, @type, @version, @head, @at, @at)
            RETURNING 1)
        INSERT INTO {schema}.events ({EventColumns}) {EventRows} WHERE EXISTS (SELECT 1 FROM s) {Returning}
        """;

    /// <summary>Moves the stream's head and writes the events only when the stream is exactly as known.</summary>
    public string UpdateKnownStreamWithEvents { get; } = $"""
        WITH s AS (
            UPDATE {schema}.streams SET version = @version, head_hash = @head, updated_at = @at
            WHERE stream_id = @stream AND version = @expected AND head_hash = @previous AND archived_at IS NULL AND updated_at <= @at
            RETURNING 1)
        INSERT INTO {schema}.events ({EventColumns}) {EventRows} WHERE EXISTS (SELECT 1 FROM s) {Returning}
        """;
}
