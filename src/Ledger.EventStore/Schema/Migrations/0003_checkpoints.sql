-- Signed checkpoints: each row is one signed line (see docs/compliance.md). The signing key is never stored here;
-- the auditor checks the lines with the public key.
CREATE TABLE {schema}.checkpoints (
    sequence        bigint      PRIMARY KEY,
    global_position bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    key_id          text        NOT NULL,
    line            text        NOT NULL
);
