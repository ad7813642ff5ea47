-- Stint schema version 1 (PostgreSQL); the same logical schema as SQLite's version 1.
--
-- Every entity table keeps its key columns (and the columns worth an index) next to `doc`, the
-- whole object as JSON. `doc` is the truth; the other columns exist for keys, lookups and guards.
-- `doc` is `json`, not `jsonb`: it keeps the text exactly as written (including `\u0000`, which
-- `jsonb` refuses), and it can still be queried with the JSON operators.
-- Timestamps are RFC 3339 UTC text of fixed width with nanoseconds, compared byte by byte
-- (`COLLATE "C"`), so comparing strings compares times exactly as SQLite does.

-- The latest committed revision: one row. Every commit locks it first (`FOR UPDATE`), which
-- serialises writers across all nodes.
CREATE TABLE revision (
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    revision  bigint  NOT NULL CHECK (revision >= 0)
);
INSERT INTO revision (singleton, revision) VALUES (1, 0);

-- The change log: the JSON array of the changes of each commit.
CREATE TABLE revisions (
    revision     bigint PRIMARY KEY,
    committed_at text COLLATE "C" NOT NULL,
    changes      json NOT NULL
);

-- The single tenant a deployment serves: a new version replaces the old one.
CREATE TABLE tenant (
    singleton integer PRIMARY KEY CHECK (singleton = 1),
    id        text NOT NULL,
    doc       json NOT NULL
);

-- `upn_lower` is the database's own guard against two users with the same name (D1).
CREATE TABLE users (
    id        text PRIMARY KEY,
    upn_lower text NOT NULL,
    doc       json NOT NULL,
    CONSTRAINT users_user_principal_name_unique UNIQUE (upn_lower)
);

CREATE TABLE groups (
    id  text PRIMARY KEY,
    doc json NOT NULL
);

CREATE TABLE administrative_units (
    id  text PRIMARY KEY,
    doc json NOT NULL
);

CREATE TABLE role_assignments (
    id           text PRIMARY KEY,
    principal_id text NOT NULL,
    doc          json NOT NULL
);
CREATE INDEX role_assignments_by_principal ON role_assignments (principal_id);

CREATE TABLE policies (
    group_id text NOT NULL,
    access   text NOT NULL,
    doc      json NOT NULL,
    PRIMARY KEY (group_id, access)
);

-- `id` is the schedule id in Graph form: `{groupId}_{access}_{origin}`.
CREATE TABLE schedules (
    id           text PRIMARY KEY,
    group_id     text NOT NULL,
    principal_id text NOT NULL,
    access       text NOT NULL,
    kind         text NOT NULL,
    doc          json NOT NULL
);
CREATE INDEX schedules_by_group ON schedules (group_id, access, kind);
CREATE INDEX schedules_by_principal ON schedules (principal_id);

CREATE TABLE requests (
    id           text PRIMARY KEY,
    group_id     text NOT NULL,
    principal_id text NOT NULL,
    status       text NOT NULL,
    doc          json NOT NULL
);
CREATE INDEX requests_by_group ON requests (group_id);
CREATE INDEX requests_by_principal ON requests (principal_id);
CREATE INDEX requests_by_status ON requests (status);

-- Bearer tokens, by the hash of the token (never the token itself).
CREATE TABLE tokens (
    hash       text PRIMARY KEY,
    user_id    text NOT NULL,
    expires_at text COLLATE "C" NOT NULL,
    doc        json NOT NULL
);
CREATE INDEX tokens_by_user ON tokens (user_id);
CREATE INDEX tokens_by_expiry ON tokens (expires_at);

-- The audit log (U1-U4): `doc` is the record; `hash` chains it to the event before.
CREATE TABLE audit_events (
    sequence      bigint PRIMARY KEY CHECK (sequence > 0),
    id            text NOT NULL,
    at            text COLLATE "C" NOT NULL,
    actor         text,
    group_id      text,
    principal_id  text,
    action        text NOT NULL,
    outcome       text NOT NULL,
    doc           json NOT NULL,
    previous_hash text NOT NULL,
    hash          text NOT NULL,
    CONSTRAINT audit_events_id_unique UNIQUE (id)
);
CREATE INDEX audit_events_by_group ON audit_events (group_id);
CREATE INDEX audit_events_by_principal ON audit_events (principal_id);
CREATE INDEX audit_events_by_actor ON audit_events (actor);
CREATE INDEX audit_events_by_time ON audit_events (at);
