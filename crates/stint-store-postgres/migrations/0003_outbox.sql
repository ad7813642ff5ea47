-- Stint schema version 3: webhook subscriptions and the notification outbox (SPEC N3). Each
-- message is written in the transaction of the decision it tells of; delivery workers on every
-- node claim with `FOR UPDATE SKIP LOCKED`, send and settle it, leaving one row per attempt.

CREATE TABLE webhooks (
    id  text PRIMARY KEY,
    doc json NOT NULL
);

CREATE TABLE outbox (
    id              text PRIMARY KEY,
    revision        bigint NOT NULL,
    created_at      text COLLATE "C" NOT NULL,
    event_type      text NOT NULL,
    channel         text NOT NULL,
    target          text NOT NULL,
    doc             json NOT NULL,
    state           text NOT NULL,
    attempts        bigint NOT NULL,
    -- The attempts made before the last re-drive: the retry budget counts from here.
    series_start    bigint NOT NULL,
    next_attempt_at text COLLATE "C" NOT NULL,
    claimed_by      text,
    claimed_until   text COLLATE "C",
    last_error      text,
    settled_at      text COLLATE "C"
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_target ON outbox (channel, target);

CREATE TABLE outbox_attempts (
    message_id text NOT NULL REFERENCES outbox (id),
    attempt    bigint NOT NULL,
    at         text COLLATE "C" NOT NULL,
    outcome    text NOT NULL,
    status     bigint,
    detail     text,
    PRIMARY KEY (message_id, attempt)
);
