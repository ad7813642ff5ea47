//! The SQL-free half of the SQL adapters (SQLite, PostgreSQL), written once.
//!
//! An adapter supplies its dialect's statements ([`Statements`], [`schema::SchemaStatements`])
//! and a [`Session`] that runs them on its driver (see [`sqlx_session!`](crate::sqlx_session)).
//! Everything else lives here: the [`Store`](crate::Store) implementation ([`SqlStore`]),
//! which statement a change needs and with which values
//! ([`documents`]), how column values become domain objects and back ([`codec`]), the shape of
//! the start-up load and of the other reads ([`read`]), the commit with its audit chain
//! ([`write`]) and the migration bookkeeping ([`schema`]).

pub mod codec;
pub mod connectors;
pub mod documents;
pub mod multi_row;
pub mod outbox;
pub mod read;
pub mod schema;
mod session;
mod store;
pub mod write;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::StoreError;

pub use store::{lock_for_write, SqlStore};

/// One value bound to a statement's parameter.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    Integer(i64),
    Text(String),
    /// Text, or `NULL`.
    OptionalText(Option<String>),
    /// An integer, or `NULL`.
    OptionalInteger(Option<i64>),
}

/// One row of a query's result, read by column position (from 0).
pub trait RowValues {
    fn integer(&self, column: usize) -> Result<i64, StoreError>;
    fn text(&self, column: usize) -> Result<String, StoreError>;
    fn optional_integer(&self, column: usize) -> Result<Option<i64>, StoreError>;
    fn optional_text(&self, column: usize) -> Result<Option<String>, StoreError>;
}

/// One connection (perhaps inside a transaction) of an adapter, as the shared code uses it.
#[async_trait]
pub trait Session: Send {
    type Row: RowValues + Send;

    /// Runs one statement with its parameters, in order.
    async fn execute(&mut self, sql: &str, params: Vec<Param>) -> Result<(), StoreError>;

    /// Runs several statements without parameters (a migration).
    async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError>;

    /// Runs one query with its parameters and returns every row.
    async fn fetch_all(
        &mut self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<Self::Row>, StoreError>;

    /// Runs a query of one text column and streams its values.
    fn fetch_texts<'s>(&'s mut self, sql: &'s str) -> BoxStream<'s, Result<String, StoreError>>;
}

/// A session inside a transaction, which it ends.
#[async_trait]
pub trait Transaction: Session {
    /// Commits the transaction; dropped without, it rolls back.
    async fn commit(self) -> Result<(), StoreError>;
}

/// The first row of a query's result, if any.
async fn fetch_optional<S: Session>(
    session: &mut S,
    sql: &str,
    params: Vec<Param>,
) -> Result<Option<S::Row>, StoreError> {
    Ok(session.fetch_all(sql, params).await?.into_iter().next())
}

/// The only row of a query that always returns one.
async fn fetch_one<S: Session>(
    session: &mut S,
    sql: &str,
    params: Vec<Param>,
) -> Result<S::Row, StoreError> {
    fetch_optional(session, sql, params)
        .await?
        .ok_or_else(|| StoreError::Backend(format!("no row came back from `{sql}`")))
}

/// The statements of one adapter's dialect, with the parameters and columns the shared code
/// binds and reads, in this order.
#[derive(Debug)]
pub struct Statements {
    /// Columns: the latest revision.
    pub current_revision: &'static str,
    /// The number of rows of a table. Columns: the count.
    pub count_rows: fn(&str) -> String,
    /// Every stored document of a table. Columns: the document as text.
    pub select_documents: fn(&str) -> String,
    /// Parameters: the revision after which, the row limit. Columns: the revision, when it was
    /// committed, its changes as text; oldest first.
    pub changes_since: &'static str,
    /// The audit events followed by a `WHERE` clause that filters can follow with `AND`.
    /// Columns: the sequence, the record as text, the previous hash, the hash.
    pub audit_where: &'static str,
    /// Parameters: the sequence after which, the row limit. Columns as for `audit_where`; in
    /// chain order.
    pub audit_chain: &'static str,
    /// How the `n`th parameter (from 1) of a statement is written.
    pub parameter: fn(usize) -> String,
    /// How each change is written (see [`documents::change_params`]).
    pub upserts: Upserts,
    /// Columns: the sequence and hash of the newest audit event.
    pub chain_head: &'static str,
    /// Parameters: the event's sequence, id, time, actor, group, principal, action, outcome,
    /// the record as JSON, the previous event's hash and its own.
    pub insert_audit_event: &'static str,
    /// Parameters: the revision, when it was committed, its changes as JSON.
    pub insert_revision: &'static str,
    /// Parameters: the new latest revision.
    pub move_revision: &'static str,
    /// Tells other nodes of a commit, with the new revision as text, where the database can.
    pub notify: Option<&'static str>,
    /// The notification outbox's statements.
    pub outbox: OutboxStatements,
    /// The connector workers' statements.
    pub connectors: ConnectorStatements,
}

/// The statements of connector progress (issue 18).
#[derive(Debug)]
pub struct ConnectorStatements {
    /// Parameters: the connector id, the worker, its lease's end, now. Creates the row, or takes
    /// the lease when the worker holds it, nobody does, or it lapsed by now. Columns: the id (no
    /// row when another worker holds the lease).
    pub claim: &'static str,
    /// Parameters: the connector id. Columns: the revision, the pushed sets and the status as
    /// text, the lease's holder and end.
    pub read: &'static str,
    /// Parameters: the revision, the pushed sets and the status as JSON, the connector id, the
    /// worker. Columns: the id (no row unless the worker holds the lease).
    pub save: &'static str,
}

/// The statements of the notification outbox (N3).
#[derive(Debug)]
pub struct OutboxStatements {
    /// Parameters: the id, revision, creation time, event type, channel, target, the message as
    /// JSON and when it is first due. The message starts pending, with no attempts.
    pub insert: &'static str,
    /// Parameters: the worker, its lease's end, now (twice), the row limit. Columns: the message
    /// as text, its attempts and its series start; marks the rows claimed.
    pub claim: &'static str,
    /// Parameters: the new state, the next attempt's time, the last error, the settling time,
    /// the id and the worker holding it. Columns: the attempts now made (no row when the claim
    /// lapsed).
    pub settle: &'static str,
    /// Parameters: the message id, the attempt, when, the outcome, the status, the detail.
    pub insert_attempt: &'static str,
    /// The messages followed by a `WHERE` clause that filters can follow with `AND`. Columns: the
    /// message as text, revision, creation time, state, attempts, next attempt's time, last
    /// error, settling time.
    pub list_where: &'static str,
    /// Parameters: the message id. Columns: the message id, attempt, time, outcome, status,
    /// detail; oldest first.
    pub attempts: &'static str,
    /// Parameters: the time it is due, the id. Columns: the id (no row unless it was dead).
    pub redrive: &'static str,
    /// Columns: a state, its count, the oldest creation time in it.
    pub stats: &'static str,
}

/// One statement for each kind of change; the parameters are those of
/// [`documents::change_params`]: keys first, the JSON document last.
#[derive(Debug)]
pub struct Upserts {
    pub tenant: &'static str,
    pub user: &'static str,
    pub group: &'static str,
    pub administrative_unit: &'static str,
    pub role_assignment: &'static str,
    pub policy: &'static str,
    pub schedule: &'static str,
    pub request: &'static str,
    pub role_request: &'static str,
    pub token: &'static str,
    /// Parameters: the token's hash.
    pub delete_token: &'static str,
    pub webhook: &'static str,
    pub scim_token: &'static str,
    pub scim_object: &'static str,
    pub connector: &'static str,
}
