-- Stint schema version 2: role schedule requests (SPEC D5, D6), kept for ever like group requests.

CREATE TABLE role_requests (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX role_requests_by_principal ON role_requests (principal_id);
