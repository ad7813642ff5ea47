-- Stint schema version 6: connector progress (issue 18): per connector, the revision its
-- targets reflect, the pushed set per link and the status figures (JSON), and the lease by which
-- one node drives it.

CREATE TABLE connector_progress (
    connector_id TEXT PRIMARY KEY,
    revision     INTEGER NOT NULL,
    pushed       TEXT NOT NULL,
    status       TEXT NOT NULL,
    lease_holder TEXT,
    lease_until  TEXT
);
