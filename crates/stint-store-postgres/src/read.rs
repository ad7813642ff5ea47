//! Reads: the whole state, the change log and the audit log. JSON columns are read as text
//! (`doc::text`), exactly as they were written.

use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::{Change, State};
use stint_store::bulk::{self, Decoder};
use stint_store::{CommittedChanges, Revision, StoreError};

use crate::column::{from_bigint, limit, parse_timestamp, revision_from, timestamp, to_bigint};
use crate::error::{from_json, from_sqlx};

/// How many audit events a query returns when it does not say.
const DEFAULT_AUDIT_LIMIT: usize = 100;

const AUDIT_COLUMNS: &str =
    "SELECT sequence, doc::text AS doc, previous_hash, hash FROM audit_events";

pub(crate) async fn current_revision(
    connection: &mut PgConnection,
) -> Result<Revision, StoreError> {
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM revision WHERE singleton = 1")
        .fetch_one(connection)
        .await
        .map_err(from_sqlx)?;
    revision_from(revision)
}

/// Every entity table, and how its documents become changes.
const TABLES: [(&str, Decoder); 10] = [
    ("tenant", |doc| decode(doc).map(Change::Tenant)),
    ("users", |doc| decode(doc).map(Change::User)),
    ("groups", |doc| decode(doc).map(Change::Group)),
    ("administrative_units", |doc| {
        decode(doc).map(Change::AdministrativeUnit)
    }),
    ("role_assignments", |doc| {
        decode(doc).map(Change::RoleAssignment)
    }),
    ("policies", |doc| decode(doc).map(Change::Policy)),
    ("schedules", |doc| decode(doc).map(Change::Schedule)),
    ("requests", |doc| decode(doc).map(Change::Request)),
    ("role_requests", |doc| decode(doc).map(Change::RoleRequest)),
    ("tokens", |doc| decode(doc).map(Change::Token)),
];

/// The whole state; the caller runs it inside one REPEATABLE READ transaction so that every
/// table and the revision are read from one snapshot.
pub(crate) async fn load(connection: &mut PgConnection) -> Result<State, StoreError> {
    let mut state = State::default();
    state.revision = current_revision(connection).await?;
    for (table, change_of) in TABLES {
        state = load_table(connection, state, table, change_of).await?;
    }
    state.finish_load();
    Ok(state)
}

/// Streams every `doc` of `table` into `state` through the start-up pipeline
/// ([`bulk::load_stream`]): the next rows are read while earlier ones are decoded and applied.
async fn load_table(
    connection: &mut PgConnection,
    state: State,
    table: &'static str,
    decode: Decoder,
) -> Result<State, StoreError> {
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    let select = format!("SELECT doc::text FROM {table}");
    let documents = sqlx::query_scalar::<_, String>(&select)
        .fetch(&mut *connection)
        .map_err(from_sqlx);
    let expected = usize::try_from(count).unwrap_or_default();
    bulk::load_stream(state, decode, expected, documents).await
}

fn decode<T: DeserializeOwned>(doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|error| from_json(std::any::type_name::<T>(), error))
}

pub(crate) async fn changes_since(
    connection: &mut PgConnection,
    revision: Revision,
    max: usize,
) -> Result<Vec<CommittedChanges>, StoreError> {
    let rows = sqlx::query(
        "SELECT revision, committed_at, changes::text AS changes FROM revisions
         WHERE revision > $1 ORDER BY revision LIMIT $2",
    )
    .bind(to_bigint(revision, "revision")?)
    .bind(limit(max))
    .fetch_all(connection)
    .await
    .map_err(from_sqlx)?;
    rows.iter().map(committed_changes).collect()
}

fn committed_changes(row: &PgRow) -> Result<CommittedChanges, StoreError> {
    let committed_at: &str = row.try_get("committed_at").map_err(from_sqlx)?;
    let changes: &str = row.try_get("changes").map_err(from_sqlx)?;
    Ok(CommittedChanges {
        revision: revision_from(row.try_get("revision").map_err(from_sqlx)?)?,
        committed_at: parse_timestamp(committed_at)?,
        changes: decode(changes)?,
    })
}

/// Events matching every filter of the query, newest first.
pub(crate) async fn audit(
    connection: &mut PgConnection,
    query: &AuditQuery,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut sql = QueryBuilder::<Postgres>::new(AUDIT_COLUMNS);
    sql.push(" WHERE TRUE");
    if let Some(group) = query.group_id {
        sql.push(" AND group_id = ").push_bind(group.to_string());
    }
    if let Some(principal) = query.principal_id {
        sql.push(" AND principal_id = ")
            .push_bind(principal.to_string());
    }
    if let Some(actor) = query.actor {
        sql.push(" AND actor = ").push_bind(actor.to_string());
    }
    if let Some(user) = query.involving {
        sql.push(" AND (actor = ").push_bind(user.to_string());
        sql.push(" OR principal_id = ").push_bind(user.to_string());
        sql.push(")");
    }
    if let Some(since) = query.since {
        sql.push(" AND at >= ").push_bind(timestamp(since));
    }
    if let Some(until) = query.until {
        sql.push(" AND at < ").push_bind(timestamp(until));
    }
    if let Some(before) = query.before_sequence {
        sql.push(" AND sequence < ")
            .push_bind(to_bigint(before, "audit sequence")?);
    }
    let max = match query.limit {
        0 => DEFAULT_AUDIT_LIMIT,
        max => max,
    };
    sql.push(" ORDER BY sequence DESC LIMIT ")
        .push_bind(limit(max));
    let rows = sql.build().fetch_all(connection).await.map_err(from_sqlx)?;
    rows.iter().map(audit_event).collect()
}

/// Events after `after_sequence` in chain order.
pub(crate) async fn audit_chain(
    connection: &mut PgConnection,
    after_sequence: u64,
    max: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "{AUDIT_COLUMNS} WHERE sequence > $1 ORDER BY sequence LIMIT $2"
    ))
    .bind(to_bigint(after_sequence, "audit sequence")?)
    .bind(limit(max))
    .fetch_all(connection)
    .await
    .map_err(from_sqlx)?;
    rows.iter().map(audit_event).collect()
}

fn audit_event(row: &PgRow) -> Result<AuditEvent, StoreError> {
    let doc: &str = row.try_get("doc").map_err(from_sqlx)?;
    Ok(AuditEvent {
        sequence: from_bigint(
            row.try_get("sequence").map_err(from_sqlx)?,
            "audit sequence",
        )?,
        record: decode(doc)?,
        previous_hash: row.try_get("previous_hash").map_err(from_sqlx)?,
        hash: row.try_get("hash").map_err(from_sqlx)?,
    })
}
