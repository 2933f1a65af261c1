-- The event store: streams, the global log of events, and per-subject data keys.
-- {schema} is replaced with the configured schema name (default "ledger").

CREATE TABLE {schema}.streams (
    stream_id   uuid        PRIMARY KEY,
    stream_type text        NOT NULL,
    version     bigint      NOT NULL CHECK (version >= 0),
    head_hash   bytea       NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    archived_at timestamptz NULL
);

CREATE TABLE {schema}.events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       uuid        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version >= 1),
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    data            jsonb       NULL,
    data_encrypted  bytea       NULL,
    key_id          uuid        NULL,
    metadata        jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL,
    hash            bytea       NOT NULL,
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version),
    CONSTRAINT events_payload_one_form CHECK ((data IS NULL) <> (data_encrypted IS NULL)),
    CONSTRAINT events_encrypted_has_key CHECK ((data_encrypted IS NULL) = (key_id IS NULL))
);

-- Serves the gap-free read of the global log: (transaction_id, global_position) > checkpoint.
CREATE INDEX events_transaction_order ON {schema}.events (transaction_id, global_position);

-- Data keys, one per subject (e.g. one per patient), wrapped by a master key. Destroying a key
-- (wrapped_key set to NULL, destroyed_at set) makes that subject's payloads unreadable for ever.
CREATE TABLE {schema}.data_keys (
    key_id        uuid        PRIMARY KEY,
    subject_id    uuid        NOT NULL UNIQUE,
    wrapped_key   bytea       NULL,
    master_key_id text        NULL,
    created_at    timestamptz NOT NULL,
    destroyed_at  timestamptz NULL,
    CONSTRAINT data_keys_destroyed_or_wrapped CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
