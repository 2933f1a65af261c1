-- The ledger's own tables beside Marten's: per-subject data keys, wrapped by a master key. Destroying a key
-- (wrapped_key set to NULL, destroyed_at set) makes that subject's payloads unreadable for ever.
CREATE TABLE IF NOT EXISTS {schema}.data_keys (
    key_id        uuid        PRIMARY KEY,
    subject_id    uuid        NOT NULL UNIQUE,
    wrapped_key   bytea       NULL,
    master_key_id text        NULL,
    created_at    timestamptz NOT NULL,
    destroyed_at  timestamptz NULL,
    CONSTRAINT data_keys_destroyed_or_wrapped CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
