//! Commits: the revision lock, one upsert per change, the audit chain and the change log, all
//! inside the caller's transaction.
//!
//! The first statement locks the single row of `revision` (`SELECT ... FOR UPDATE`). Every writer
//! on every node takes that lock first, so commits are serialised by the database: a writer that
//! waited reads the revision its predecessor committed (READ COMMITTED re-reads a locked row once
//! the lock is released), and decides knowing nobody can commit before it. Each later statement
//! of the transaction sees everything committed before the lock was granted, so the audit chain's
//! head is the true head.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, Row};
use stint_core::audit::{chain_hash, AuditRecord, Outcome, GENESIS_HASH};
use stint_core::schedule::ScheduleKind;
use stint_core::{Change, Decision};
use stint_store::{Revision, StoreError};

use crate::column::{from_bigint, revision_from, timestamp, to_bigint};
use crate::error::{from_json, from_sqlx};

const LOCK_REVISION: &str = "SELECT revision FROM revision WHERE singleton = 1 FOR UPDATE";

const UPSERT_TENANT: &str = "INSERT INTO tenant (singleton, id, doc) VALUES (1, $1, $2::json)
    ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, doc = excluded.doc";
const UPSERT_USER: &str = "INSERT INTO users (id, upn_lower, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (id) DO UPDATE SET upn_lower = excluded.upn_lower, doc = excluded.doc";
const UPSERT_GROUP: &str = "INSERT INTO groups (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc";
const UPSERT_ADMINISTRATIVE_UNIT: &str =
    "INSERT INTO administrative_units (id, doc) VALUES ($1, $2::json)
    ON CONFLICT (id) DO UPDATE SET doc = excluded.doc";
const UPSERT_ROLE_ASSIGNMENT: &str =
    "INSERT INTO role_assignments (id, principal_id, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, doc = excluded.doc";
const UPSERT_POLICY: &str = "INSERT INTO policies (group_id, access, doc) VALUES ($1, $2, $3::json)
    ON CONFLICT (group_id, access) DO UPDATE SET doc = excluded.doc";
/// The group and access are part of a schedule's id, so they never change.
const UPSERT_SCHEDULE: &str =
    "INSERT INTO schedules (id, group_id, principal_id, access, kind, doc)
    VALUES ($1, $2, $3, $4, $5, $6::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, kind = excluded.kind,
        doc = excluded.doc";
const UPSERT_REQUEST: &str = "INSERT INTO requests (id, group_id, principal_id, status, doc)
    VALUES ($1, $2, $3, $4, $5::json)
    ON CONFLICT (id) DO UPDATE SET group_id = excluded.group_id,
        principal_id = excluded.principal_id, status = excluded.status, doc = excluded.doc";
const UPSERT_ROLE_REQUEST: &str = "INSERT INTO role_requests (id, principal_id, status, doc)
    VALUES ($1, $2, $3, $4::json)
    ON CONFLICT (id) DO UPDATE SET principal_id = excluded.principal_id, status = excluded.status,
        doc = excluded.doc";
const UPSERT_TOKEN: &str = "INSERT INTO tokens (hash, user_id, expires_at, doc)
    VALUES ($1, $2, $3, $4::json)
    ON CONFLICT (hash) DO UPDATE SET user_id = excluded.user_id, expires_at = excluded.expires_at,
        doc = excluded.doc";
const DELETE_TOKEN: &str = "DELETE FROM tokens WHERE hash = $1";

const INSERT_AUDIT_EVENT: &str = "INSERT INTO audit_events (sequence, id, at, actor, group_id,
        principal_id, action, outcome, doc, previous_hash, hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11)";
const CHAIN_HEAD: &str = "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1";

const INSERT_REVISION: &str =
    "INSERT INTO revisions (revision, committed_at, changes) VALUES ($1, $2, $3::json)";
const MOVE_REVISION: &str = "UPDATE revision SET revision = $1 WHERE singleton = 1";

/// Writes the decision as the revision after `current`, inside the caller's transaction that
/// holds the revision lock ([`lock_revision`]); the caller commits it on `Ok` (dropped, it rolls
/// back).
pub(crate) async fn commit(
    connection: &mut PgConnection,
    current: Revision,
    decision: &Decision,
    committed_at: DateTime<Utc>,
) -> Result<Revision, StoreError> {
    for change in &decision.changes {
        write_change(connection, change).await?;
    }
    append_audit(connection, &decision.audit).await?;
    let revision = current + 1;
    log_revision(connection, revision, committed_at, &decision.changes).await?;
    Ok(revision)
}

/// Locks the revision row until the end of the transaction and reads the latest revision.
pub(crate) async fn lock_revision(connection: &mut PgConnection) -> Result<Revision, StoreError> {
    let revision: i64 = sqlx::query_scalar(LOCK_REVISION)
        .fetch_one(connection)
        .await
        .map_err(from_sqlx)?;
    revision_from(revision)
}

/// One SQL statement and its parameters, all text: keys first, the JSON document last.
struct Statement {
    sql: &'static str,
    params: Vec<String>,
}

async fn write_change(connection: &mut PgConnection, change: &Change) -> Result<(), StoreError> {
    let statement = statement_for(change)?;
    let mut query = sqlx::query(statement.sql);
    for param in statement.params {
        query = query.bind(param);
    }
    query.execute(connection).await.map_err(from_sqlx)?;
    Ok(())
}

/// Every change is an upsert of a whole object by its key, except that a revoked token is deleted.
fn statement_for(change: &Change) -> Result<Statement, StoreError> {
    let (sql, params) = match change {
        Change::Tenant(tenant) => (
            UPSERT_TENANT,
            vec![tenant.id.to_string(), json("tenant", tenant)?],
        ),
        Change::User(user) => (
            UPSERT_USER,
            vec![
                user.id.to_string(),
                // D1 compares names by their key, exactly as `User::has_name` does.
                stint_core::names::user_name_key(&user.user_principal_name),
                json("user", user)?,
            ],
        ),
        Change::Group(group) => (
            UPSERT_GROUP,
            vec![group.id.to_string(), json("group", group)?],
        ),
        Change::AdministrativeUnit(unit) => (
            UPSERT_ADMINISTRATIVE_UNIT,
            vec![unit.id.to_string(), json("administrative unit", unit)?],
        ),
        Change::RoleAssignment(assignment) => (
            UPSERT_ROLE_ASSIGNMENT,
            vec![
                assignment.id.to_string(),
                assignment.principal_id.to_string(),
                json("role assignment", assignment)?,
            ],
        ),
        Change::Policy(policy) => (
            UPSERT_POLICY,
            vec![
                policy.group_id.to_string(),
                policy.access.to_string(),
                json("policy", policy)?,
            ],
        ),
        Change::Schedule(schedule) => (
            UPSERT_SCHEDULE,
            vec![
                schedule.id.to_string(),
                schedule.group_id().to_string(),
                schedule.principal_id.to_string(),
                schedule.access().to_string(),
                kind_name(schedule.kind).to_owned(),
                json("schedule", schedule)?,
            ],
        ),
        Change::Request(request) => (
            UPSERT_REQUEST,
            vec![
                request.id.to_string(),
                request.group_id.to_string(),
                request.principal_id.to_string(),
                request.status.as_str().to_owned(),
                json("request", request)?,
            ],
        ),
        Change::RoleRequest(request) => (
            UPSERT_ROLE_REQUEST,
            vec![
                request.id.to_string(),
                request.principal_id.to_string(),
                request.status.as_str().to_owned(),
                json("role request", request)?,
            ],
        ),
        Change::Token(token) => (
            UPSERT_TOKEN,
            vec![
                token.hash.0.clone(),
                token.user_id.to_string(),
                timestamp(token.expires_at),
                json("token", token)?,
            ],
        ),
        Change::TokenRevoked(hash) => (DELETE_TOKEN, vec![hash.0.clone()]),
    };
    Ok(Statement { sql, params })
}

/// Numbers the records after the last stored event and links each to the one before (U4).
async fn append_audit(
    connection: &mut PgConnection,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let (mut sequence, mut previous_hash) = chain_head(connection).await?;
    for record in records {
        sequence += 1;
        let hash = chain_hash(&previous_hash, sequence, record);
        insert_audit_event(connection, sequence, record, &previous_hash, &hash).await?;
        previous_hash = hash;
    }
    Ok(())
}

/// The sequence and hash of the newest event, or 0 and the genesis hash.
async fn chain_head(connection: &mut PgConnection) -> Result<(u64, String), StoreError> {
    let row = sqlx::query(CHAIN_HEAD)
        .fetch_optional(connection)
        .await
        .map_err(from_sqlx)?;
    match row {
        Some(row) => Ok((
            from_bigint(
                row.try_get("sequence").map_err(from_sqlx)?,
                "audit sequence",
            )?,
            row.try_get("hash").map_err(from_sqlx)?,
        )),
        None => Ok((0, GENESIS_HASH.to_owned())),
    }
}

async fn insert_audit_event(
    connection: &mut PgConnection,
    sequence: u64,
    record: &AuditRecord,
    previous_hash: &str,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query(INSERT_AUDIT_EVENT)
        .bind(to_bigint(sequence, "audit sequence")?)
        .bind(record.id.to_string())
        .bind(timestamp(record.at))
        .bind(record.actor.map(|actor| actor.to_string()))
        .bind(record.group_id.map(|group| group.to_string()))
        .bind(record.principal_id.map(|principal| principal.to_string()))
        .bind(&record.action)
        .bind(outcome_name(record.outcome))
        .bind(json("audit record", record)?)
        .bind(previous_hash)
        .bind(hash)
        .execute(connection)
        .await
        .map_err(from_sqlx)?;
    Ok(())
}

/// Appends the commit to the change log and moves the latest revision to it.
async fn log_revision(
    connection: &mut PgConnection,
    revision: Revision,
    committed_at: DateTime<Utc>,
    changes: &[Change],
) -> Result<(), StoreError> {
    let revision = to_bigint(revision, "revision")?;
    sqlx::query(INSERT_REVISION)
        .bind(revision)
        .bind(timestamp(committed_at))
        .bind(json("change log entry", changes)?)
        .execute(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    sqlx::query(MOVE_REVISION)
        .bind(revision)
        .execute(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    // Delivered to the listeners of every node when (and only if) the transaction commits.
    sqlx::query(crate::notify::NOTIFY)
        .bind(revision.to_string())
        .execute(connection)
        .await
        .map_err(from_sqlx)?;
    Ok(())
}

fn json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| from_json(what, error))
}

fn kind_name(kind: ScheduleKind) -> &'static str {
    match kind {
        ScheduleKind::Eligible => "eligible",
        ScheduleKind::Active => "active",
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
    }
}
