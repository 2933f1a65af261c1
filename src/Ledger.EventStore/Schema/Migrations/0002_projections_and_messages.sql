-- Async projections (checkpoints, skipped events) and durable messages (outbox, dead letters, handled ids).
-- {schema} is replaced with the configured schema name (default "ledger").

-- One row per async projection: where it is in the global log, its state, and a rebuild in progress.
-- revision grows with every write, so a writer that read an old row (a stale leader, an operator racing
-- the daemon) changes nothing.
CREATE TABLE {schema}.projection_checkpoints (
    name                   text        PRIMARY KEY,
    transaction_id         xid8        NOT NULL DEFAULT '0',
    position               bigint      NOT NULL DEFAULT 0,
    status                 text        NOT NULL DEFAULT 'running'
                                       CHECK (status IN ('running', 'stopped', 'failed', 'rebuilding')),
    revision               bigint      NOT NULL DEFAULT 0,
    events_processed       bigint      NOT NULL DEFAULT 0,
    leader                 text        NULL,
    last_error             text        NULL,
    failed_transaction_id  xid8        NULL,
    failed_position        bigint      NULL,
    failed_event_id        uuid        NULL,
    failed_at              timestamptz NULL,
    rebuild_transaction_id xid8        NULL,
    rebuild_position       bigint      NULL,
    rebuild_started_at     timestamptz NULL,
    rebuilt_at             timestamptz NULL,
    updated_at             timestamptz NOT NULL,
    CONSTRAINT projection_rebuild_both CHECK ((rebuild_transaction_id IS NULL) = (rebuild_position IS NULL))
);

-- Events an operator told a projection to pass over, and why.
CREATE TABLE {schema}.projection_skips (
    skip_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text        NOT NULL,
    transaction_id xid8        NOT NULL,
    position       bigint      NOT NULL,
    event_id       uuid        NOT NULL,
    reason         text        NOT NULL,
    error          text        NULL,
    skipped_at     timestamptz NOT NULL,
    CONSTRAINT projection_skips_once UNIQUE (name, event_id)
);

-- Durable messages waiting to be handled (the outbox). due_at and claimed_until are written from the
-- application's clock, never from the database's.
CREATE TABLE {schema}.messages (
    message_id       uuid        PRIMARY KEY,
    message_type     text        NOT NULL,
    payload          jsonb       NOT NULL,
    metadata         jsonb       NOT NULL,
    due_at           timestamptz NOT NULL,
    attempts         int         NOT NULL DEFAULT 0,
    claimed_by       text        NULL,
    claimed_until    timestamptz NULL,
    created_at       timestamptz NOT NULL,
    first_attempt_at timestamptz NULL,
    last_attempt_at  timestamptz NULL,
    last_error       text        NULL
);

CREATE INDEX messages_due ON {schema}.messages (due_at);

-- Messages whose handler kept failing: kept with the error until an operator replays them.
CREATE TABLE {schema}.dead_letters (
    message_id       uuid        PRIMARY KEY,
    message_type     text        NOT NULL,
    payload          jsonb       NOT NULL,
    metadata         jsonb       NOT NULL,
    attempts         int         NOT NULL,
    created_at       timestamptz NOT NULL,
    first_attempt_at timestamptz NULL,
    last_attempt_at  timestamptz NULL,
    dead_at          timestamptz NOT NULL,
    error            text        NOT NULL
);

-- Written by the transaction that completes a message: a redelivered id is recognised and not handled again.
CREATE TABLE {schema}.handled_messages (
    message_id   uuid        PRIMARY KEY,
    message_type text        NOT NULL,
    handled_by   text        NOT NULL,
    handled_at   timestamptz NOT NULL
);

CREATE INDEX handled_messages_at ON {schema}.handled_messages (handled_at);
