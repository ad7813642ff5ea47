-- Stint schema version 1.
--
-- Every entity table keeps its key columns (and the columns worth an index) next to `doc`, the
-- whole object as JSON. `doc` is the truth; the other columns exist for keys, lookups and guards.
-- Timestamps are RFC 3339 UTC text of fixed width, so comparing strings compares times.

-- The latest committed revision: one row.
CREATE TABLE revision (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    revision  INTEGER NOT NULL
);
INSERT INTO revision (singleton, revision) VALUES (1, 0);

-- The change log: the JSON array of the changes of each commit.
CREATE TABLE revisions (
    revision     INTEGER PRIMARY KEY,
    committed_at TEXT NOT NULL,
    changes      TEXT NOT NULL
);

-- The single tenant a deployment serves: a new version replaces the old one.
CREATE TABLE tenant (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id        TEXT NOT NULL,
    doc       TEXT NOT NULL
);

-- `upn_lower` is the database's own guard against two users with the same name (D1).
CREATE TABLE users (
    id        TEXT PRIMARY KEY,
    upn_lower TEXT NOT NULL UNIQUE,
    doc       TEXT NOT NULL
);

CREATE TABLE groups (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE administrative_units (
    id  TEXT PRIMARY KEY,
    doc TEXT NOT NULL
);

CREATE TABLE role_assignments (
    id           TEXT PRIMARY KEY,
    principal_id TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX role_assignments_by_principal ON role_assignments (principal_id);

CREATE TABLE policies (
    group_id TEXT NOT NULL,
    access   TEXT NOT NULL,
    doc      TEXT NOT NULL,
    PRIMARY KEY (group_id, access)
);

-- `id` is the schedule id in Graph form: `{groupId}_{access}_{origin}`.
CREATE TABLE schedules (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    access       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX schedules_by_group ON schedules (group_id, access, kind);
CREATE INDEX schedules_by_principal ON schedules (principal_id);

CREATE TABLE requests (
    id           TEXT PRIMARY KEY,
    group_id     TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    status       TEXT NOT NULL,
    doc          TEXT NOT NULL
);
CREATE INDEX requests_by_group ON requests (group_id);
CREATE INDEX requests_by_principal ON requests (principal_id);
CREATE INDEX requests_by_status ON requests (status);

-- Bearer tokens, by the hash of the token (never the token itself).
CREATE TABLE tokens (
    hash       TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

-- The audit log (U1-U4): `doc` is the record; `hash` chains it to the event before.
CREATE TABLE audit_events (
    sequence      INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            TEXT NOT NULL,
    actor         TEXT,
    group_id      TEXT,
    principal_id  TEXT,
    action        TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    doc           TEXT NOT NULL,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL
);
CREATE INDEX audit_events_by_group ON audit_events (group_id);
CREATE INDEX audit_events_by_principal ON audit_events (principal_id);
CREATE INDEX audit_events_by_actor ON audit_events (actor);
CREATE INDEX audit_events_by_time ON audit_events (at);
