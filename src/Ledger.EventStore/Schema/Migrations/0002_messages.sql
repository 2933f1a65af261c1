-- Durable messages (outbox, dead letters, handled ids), beside Marten's event tables.
-- {schema} is replaced with the configured schema name (default "ledger").

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

-- Events an operator acknowledged after Marten's daemon set them aside (its dead-letter events), with the reason.
CREATE TABLE {schema}.projection_skips (
    projection  text        NOT NULL,
    sequence    bigint      NOT NULL,
    reason      text        NOT NULL,
    skipped_at  timestamptz NOT NULL,
    PRIMARY KEY (projection, sequence)
);
