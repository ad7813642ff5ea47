-- Stint schema version 3: webhook subscriptions and the notification outbox (SPEC N3). Each
-- message is written in the transaction of the decision it tells of; delivery workers claim,
-- send and settle it, leaving one row per attempt.

CREATE TABLE webhooks (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    revision        INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    channel         TEXT NOT NULL,
    target          TEXT NOT NULL,
    doc             TEXT NOT NULL,
    state           TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    -- The attempts made before the last re-drive: the retry budget counts from here.
    series_start    INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_by      TEXT,
    claimed_until   TEXT,
    last_error      TEXT,
    settled_at      TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_by_target ON outbox (channel, target);

CREATE TABLE outbox_attempts (
    message_id TEXT NOT NULL REFERENCES outbox (id),
    attempt    INTEGER NOT NULL,
    at         TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    status     INTEGER,
    detail     TEXT,
    PRIMARY KEY (message_id, attempt)
);
