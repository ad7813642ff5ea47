-- Stint schema version 2: role schedule requests (SPEC D5, D6), kept for ever like group requests.

CREATE TABLE role_requests (
    id           text PRIMARY KEY,
    principal_id text NOT NULL,
    status       text NOT NULL,
    doc          json NOT NULL
);
CREATE INDEX role_requests_by_principal ON role_requests (principal_id);
