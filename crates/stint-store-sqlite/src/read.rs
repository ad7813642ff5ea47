//! Reads: the whole state, the change log and the audit log.

use futures::TryStreamExt;
use serde::de::DeserializeOwned;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::{Change, State};
use stint_store::bulk::{self, Decoder};
use stint_store::{CommittedChanges, Revision, StoreError};

use crate::column::{from_integer, limit, parse_timestamp, revision_from, timestamp, to_integer};
use crate::error::{from_json, from_sqlx};

/// How many audit events a query returns when it does not say.
const DEFAULT_AUDIT_LIMIT: usize = 100;

pub(crate) async fn current_revision(
    connection: &mut SqliteConnection,
) -> Result<Revision, StoreError> {
    let revision: i64 = sqlx::query_scalar("SELECT revision FROM revision")
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

/// The whole state; the caller runs it inside one transaction so that it is one snapshot.
pub(crate) async fn load(connection: &mut SqliteConnection) -> Result<State, StoreError> {
    let mut state = State::default();
    for (table, change_of) in TABLES {
        state = load_table(connection, state, table, change_of).await?;
    }
    state.finish_load();
    state.revision = current_revision(connection).await?;
    Ok(state)
}

/// Streams every `doc` of `table` into `state` through the start-up pipeline
/// ([`bulk::load_stream`]): the next rows are read while earlier ones are decoded and applied.
async fn load_table(
    connection: &mut SqliteConnection,
    state: State,
    table: &'static str,
    decode: Decoder,
) -> Result<State, StoreError> {
    let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&mut *connection)
        .await
        .map_err(from_sqlx)?;
    let select = format!("SELECT doc FROM {table}");
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
    connection: &mut SqliteConnection,
    revision: Revision,
    max: usize,
) -> Result<Vec<CommittedChanges>, StoreError> {
    let rows = sqlx::query(
        "SELECT revision, committed_at, changes FROM revisions
         WHERE revision > ? ORDER BY revision LIMIT ?",
    )
    .bind(to_integer(revision, "revision")?)
    .bind(limit(max))
    .fetch_all(connection)
    .await
    .map_err(from_sqlx)?;
    rows.iter().map(committed_changes).collect()
}

fn committed_changes(row: &SqliteRow) -> Result<CommittedChanges, StoreError> {
    Ok(CommittedChanges {
        revision: revision_from(row.get("revision"))?,
        committed_at: parse_timestamp(row.get("committed_at"))?,
        changes: decode(row.get("changes"))?,
    })
}

const AUDIT_COLUMNS: &str = "SELECT sequence, doc, previous_hash, hash FROM audit_events";

/// Events matching every filter of the query, newest first.
pub(crate) async fn audit(
    connection: &mut SqliteConnection,
    query: &AuditQuery,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut sql = QueryBuilder::<Sqlite>::new(AUDIT_COLUMNS);
    sql.push(" WHERE 1 = 1");
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
            .push_bind(to_integer(before, "audit sequence")?);
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
    connection: &mut SqliteConnection,
    after_sequence: u64,
    max: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let rows = sqlx::query(&format!(
        "{AUDIT_COLUMNS} WHERE sequence > ? ORDER BY sequence LIMIT ?"
    ))
    .bind(to_integer(after_sequence, "audit sequence")?)
    .bind(limit(max))
    .fetch_all(connection)
    .await
    .map_err(from_sqlx)?;
    rows.iter().map(audit_event).collect()
}

fn audit_event(row: &SqliteRow) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        sequence: from_integer(row.get("sequence"), "audit sequence")?,
        record: decode(row.get("doc"))?,
        previous_hash: row.get("previous_hash"),
        hash: row.get("hash"),
    })
}
