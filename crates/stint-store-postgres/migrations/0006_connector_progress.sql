-- Stint schema version 6: connector progress (issue 18): per connector, the revision its
-- targets reflect, the pushed set per link and the status figures (JSON), and the lease by which
-- one node drives it.

CREATE TABLE connector_progress (
    connector_id text PRIMARY KEY,
    revision     bigint NOT NULL,
    pushed       json NOT NULL,
    status       json NOT NULL,
    lease_holder text,
    lease_until  text COLLATE "C"
);
