//! The SQL of every read and write, in SQLite's dialect; what binds and reads them is shared
//! with the PostgreSQL adapter ([`stint_store::sql`]).

use stint_store::sql::{ConnectorStatements, OutboxStatements, Statements, Upserts};

pub(crate) const STATEMENTS: Statements = Statements {
    current_revision: "SELECT revision FROM revision",
    count_rows: |table| format!("SELECT count(*) FROM {table}"),
    select_documents: |table| format!("SELECT doc FROM {table}"),
    changes_since: "SELECT revision, committed_at, changes FROM revisions
         WHERE revision > ? ORDER BY revision LIMIT ?",
    audit_where: "SELECT sequence, doc, previous_hash, hash FROM audit_events WHERE 1 = 1",
    audit_chain: "SELECT sequence, doc, previous_hash, hash FROM audit_events
         WHERE sequence > ? ORDER BY sequence LIMIT ?",
    parameter: |_| "?".to_owned(),
    upserts: UPSERTS,
    chain_head: "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1",
    insert_audit_event: "INSERT INTO audit_events (sequence, id, at, actor, group_id,
             principal_id, action, outcome, doc, previous_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    insert_revision: "INSERT INTO revisions (revision, committed_at, changes) VALUES (?, ?, ?)",
    move_revision: "UPDATE revision SET revision = ?",
    notify: None,
    connectors: ConnectorStatements {
        claim: "INSERT INTO connector_progress (connector_id, revision, pushed, status,
             lease_holder, lease_until)
         VALUES (?1, 0, '{}', '{}', ?2, ?3)
         ON CONFLICT (connector_id) DO UPDATE SET lease_holder = excluded.lease_holder,
             lease_until = excluded.lease_until
         WHERE connector_progress.lease_holder IS NULL
            OR connector_progress.lease_holder = excluded.lease_holder
            OR connector_progress.lease_until <= ?4
         RETURNING connector_id",
        read: "SELECT revision, pushed, status, lease_holder, lease_until FROM connector_progress
         WHERE connector_id = ?",
        save: "UPDATE connector_progress SET revision = ?, pushed = ?, status = ?
         WHERE connector_id = ? AND lease_holder = ?
         RETURNING connector_id",
    },
    outbox: OutboxStatements {
        insert:
            "INSERT INTO outbox (id, revision, created_at, event_type, channel, target, doc, state,
             attempts, series_start, next_attempt_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?)",
        claim: "UPDATE outbox SET claimed_by = ?, claimed_until = ?
         WHERE id IN (SELECT id FROM outbox
             WHERE state = 'pending' AND next_attempt_at <= ?
               AND (claimed_until IS NULL OR claimed_until <= ?)
             ORDER BY next_attempt_at LIMIT ?)
         RETURNING doc, attempts, series_start",
        settle: "UPDATE outbox SET state = ?, next_attempt_at = ?, last_error = ?, settled_at = ?,
             attempts = attempts + 1, claimed_by = NULL, claimed_until = NULL
         WHERE id = ? AND claimed_by = ?
         RETURNING attempts",
        insert_attempt:
            "INSERT INTO outbox_attempts (message_id, attempt, at, outcome, status, detail)
         VALUES (?, ?, ?, ?, ?, ?)",
        list_where:
            "SELECT doc, revision, created_at, state, attempts, next_attempt_at, last_error,
             settled_at FROM outbox WHERE 1 = 1",
        attempts: "SELECT message_id, attempt, at, outcome, status, detail FROM outbox_attempts
         WHERE message_id = ? ORDER BY attempt",
        redrive:
            "UPDATE outbox SET state = 'pending', next_attempt_at = ?, series_start = attempts,
             settled_at = NULL, claimed_by = NULL, claimed_until = NULL
         WHERE id = ? AND state = 'dead'
         RETURNING id",
        stats: "SELECT state, count(*), min(created_at) FROM outbox GROUP BY state",
    },
};

const UPSERTS: Upserts = Upserts {
    tenant: "INSERT INTO tenant (singleton, id, doc) VALUES (1, ?, ?)
    ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, doc = excluded.doc",
    user: "INSERT INTO users (id, upn_lower, doc) VALUES (?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET upn_lower = excluded.upn_lower, doc = excluded.doc",
    group: "INSERT INTO groups (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    administrative_unit: "INSERT INTO administrative_units (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    role_assignment: "INSERT INTO role_assignments (id, principal_id, doc) VALUES (?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, doc = excluded.doc",
    policy: "INSERT INTO policies (group_id, access, doc) VALUES (?, ?, ?)
    ON CONFLICT (group_id, access) DO UPDATE SET doc = excluded.doc",
    schedule: "INSERT INTO schedules (id, group_id, principal_id, access, kind, doc)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, kind = excluded.kind,
        doc = excluded.doc",
    request: "INSERT INTO requests (id, group_id, principal_id, status, doc) VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id,
        principal_id = excluded.principal_id, status = excluded.status, doc = excluded.doc",
    role_request: "INSERT INTO role_requests (id, principal_id, status, doc) VALUES (?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, status = excluded.status,
        doc = excluded.doc",
    token: "INSERT INTO tokens (hash, user_id, expires_at, doc) VALUES (?, ?, ?, ?)
    ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at,
        doc = excluded.doc",
    delete_token: "DELETE FROM tokens WHERE hash = ?",
    webhook: "INSERT INTO webhooks (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    scim_token: "INSERT INTO scim_tokens (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    scim_object: "INSERT INTO scim_objects (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
    connector: "INSERT INTO connectors (id, doc) VALUES (?, ?)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
};
