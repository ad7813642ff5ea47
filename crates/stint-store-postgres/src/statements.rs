//! The SQL of every read and write, in PostgreSQL's dialect; what binds and reads them is shared
//! with the SQLite adapter ([`stint_store::sql`]). JSON columns are written from text
//! (`::json`) and read as text (`doc::text`), exactly as they were written.

use stint_store::sql::{ConnectorStatements, OutboxStatements, Statements, Upserts};

/// Locks the single row of `revision` until the end of the transaction, and reads it: the
/// store's write lock. Every writer on every node takes that lock first, so commits are
/// serialised by the database: a writer that waited reads the revision its predecessor committed
/// (READ COMMITTED re-reads a locked row once the lock is released), and decides knowing nobody
/// can commit before it. Each later statement of the transaction sees everything committed
/// before the lock was granted, so the audit chain's head is the true head.
pub(crate) const LOCK_REVISION: &str =
    "SELECT revision FROM revision WHERE singleton = 1 FOR UPDATE";

pub(crate) const STATEMENTS: Statements = Statements {
    current_revision: "SELECT revision FROM revision WHERE singleton = 1",
    count_rows: |table| format!("SELECT count(*) FROM {table}"),
    select_documents: |table| format!("SELECT doc::text FROM {table}"),
    changes_since: "SELECT revision, committed_at, changes::text AS changes FROM revisions
         WHERE revision > $1 ORDER BY revision LIMIT $2",
    audit_where: "SELECT sequence, doc::text AS doc, previous_hash, hash FROM audit_events \
                  WHERE TRUE",
    audit_chain: "SELECT sequence, doc::text AS doc, previous_hash, hash FROM audit_events
         WHERE sequence > $1 ORDER BY sequence LIMIT $2",
    parameter: |n| format!("${n}"),
    upserts: UPSERTS,
    chain_head: "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1",
    insert_audit_event: "INSERT INTO audit_events (sequence, id, at, actor, group_id,
        principal_id, action, outcome, doc, previous_hash, hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11)",
    insert_revision:
        "INSERT INTO revisions (revision, committed_at, changes) VALUES ($1, $2, $3::json)",
    move_revision: "UPDATE revision SET revision = $1 WHERE singleton = 1",
    notify: Some(crate::notify::NOTIFY),
    connectors: ConnectorStatements {
        claim: "INSERT INTO connector_progress (connector_id, revision, pushed, status,
             lease_holder, lease_until)
         VALUES ($1, 0, '{}', '{}', $2, $3)
         ON CONFLICT (connector_id) DO UPDATE SET lease_holder = excluded.lease_holder,
             lease_until = excluded.lease_until
         WHERE connector_progress.lease_holder IS NULL
            OR connector_progress.lease_holder = excluded.lease_holder
            OR connector_progress.lease_until <= $4
         RETURNING connector_id",
        read: "SELECT revision, pushed::text, status::text, lease_holder, lease_until
         FROM connector_progress WHERE connector_id = $1",
        save: "UPDATE connector_progress SET revision = $1, pushed = $2::json, status = $3::json
         WHERE connector_id = $4 AND lease_holder = $5
         RETURNING connector_id",
    },
    outbox: OutboxStatements {
        insert:
            "INSERT INTO outbox (id, revision, created_at, event_type, channel, target, doc, state,
             attempts, series_start, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::json, 'pending', 0, 0, $8)",
        // SKIP LOCKED: workers of other nodes claiming at the same moment take other rows.
        claim: "UPDATE outbox SET claimed_by = $1, claimed_until = $2
         WHERE id IN (SELECT id FROM outbox
             WHERE state = 'pending' AND next_attempt_at <= $3
               AND (claimed_until IS NULL OR claimed_until <= $4)
             ORDER BY next_attempt_at LIMIT $5
             FOR UPDATE SKIP LOCKED)
         RETURNING doc::text, attempts, series_start",
        settle:
            "UPDATE outbox SET state = $1, next_attempt_at = $2, last_error = $3, settled_at = $4,
             attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL
         WHERE id = $5 AND claimed_by = $6
         RETURNING attempts",
        insert_attempt:
            "INSERT INTO outbox_attempts (message_id, attempt, at, outcome, status, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        list_where:
            "SELECT doc::text AS doc, revision, created_at, state, attempts, next_attempt_at,
             last_error, settled_at FROM outbox WHERE TRUE",
        attempts: "SELECT message_id, attempt, at, outcome, status, detail FROM outbox_attempts
         WHERE message_id = $1 ORDER BY attempt",
        redrive:
            "UPDATE outbox SET state = 'pending', next_attempt_at = $1, series_start = attempts,
             settled_at = NULL, claimed_by = NULL, claimed_until = NULL
         WHERE id = $2 AND state = 'dead'
         RETURNING id",
        stats: "SELECT state, count(*), min(created_at) FROM outbox GROUP BY state",
    },
};

const UPSERTS: Upserts = Upserts {
    tenant: "INSERT INTO tenant (singleton, id, doc) VALUES (1, $1, $2::json)
    ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, doc = excluded.doc",
    user: "INSERT INTO users (id, upn_lower, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (id) DO UPDATE SET upn_lower = excluded.upn_lower, doc = excluded.doc",
    group: "INSERT INTO groups (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    administrative_unit: "INSERT INTO administrative_units (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    role_assignment:
        "INSERT INTO role_assignments (id, principal_id, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, doc = excluded.doc",
    policy: "INSERT INTO policies (group_id, access, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (group_id, access) DO UPDATE SET doc = excluded.doc",
    schedule: "INSERT INTO schedules (id, group_id, principal_id, access, kind, doc)
    VALUES ($1, $2, $3, $4, $5, $6::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, kind = excluded.kind,
        doc = excluded.doc",
    request: "INSERT INTO requests (id, group_id, principal_id, status, doc)
    VALUES ($1, $2, $3, $4, $5::json)
    ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id,
        principal_id = excluded.principal_id, status = excluded.status, doc = excluded.doc",
    role_request: "INSERT INTO role_requests (id, principal_id, status, doc)
    VALUES ($1, $2, $3, $4::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, status = excluded.status,
        doc = excluded.doc",
    token: "INSERT INTO tokens (hash, user_id, expires_at, doc)
    VALUES ($1, $2, $3, $4::json)
    ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at,
        doc = excluded.doc",
    delete_token: "DELETE FROM tokens WHERE hash = $1",
    webhook: "INSERT INTO webhooks (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    scim_token: "INSERT INTO scim_tokens (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    scim_object: "INSERT INTO scim_objects (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    connector: "INSERT INTO connectors (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
};
