//! Reads: the whole state, the change log and the audit log, and how their rows become domain
//! objects.

use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::State;

use super::codec::{
    decode, from_integer, limit, parse_timestamp, revision_from, timestamp, to_integer,
};
use super::documents::TABLES;
use super::{fetch_one, Param, RowValues, Session, Statements};
use crate::bulk::{self, Decoder};
use crate::{CommittedChanges, Revision, StoreError};

/// How many audit events a query returns when it does not say.
const DEFAULT_AUDIT_LIMIT: usize = 100;

/// The revision that `sql` returns in its only row and column: the latest one, or the one a
/// writer locked.
pub async fn revision<S: Session>(session: &mut S, sql: &str) -> Result<Revision, StoreError> {
    let row = fetch_one(session, sql, Vec::new()).await?;
    revision_from(row.integer(0)?)
}

/// The whole state; the caller runs it inside one transaction so that every table and the
/// revision are read from one snapshot.
pub async fn load<S: Session>(
    session: &mut S,
    statements: &Statements,
) -> Result<State, StoreError> {
    let mut state = State::default();
    state.revision = revision(session, statements.current_revision).await?;
    for (table, change_of) in TABLES {
        state = load_table(session, statements, state, table, change_of).await?;
    }
    state.finish_load();
    Ok(state)
}

/// Streams every document of `table` into `state` through the start-up pipeline
/// ([`bulk::load_stream`]): the next rows are read while earlier ones are decoded and applied.
async fn load_table<S: Session>(
    session: &mut S,
    statements: &Statements,
    state: State,
    table: &'static str,
    decode: Decoder,
) -> Result<State, StoreError> {
    let count = fetch_one(session, &(statements.count_rows)(table), Vec::new())
        .await?
        .integer(0)?;
    let expected = usize::try_from(count).unwrap_or_default();
    let select = (statements.select_documents)(table);
    bulk::load_stream(state, decode, expected, session.fetch_texts(&select)).await
}

/// The commits after `revision`, oldest first, at most `max`.
pub async fn changes_since<S: Session>(
    session: &mut S,
    statements: &Statements,
    revision: Revision,
    max: usize,
) -> Result<Vec<CommittedChanges>, StoreError> {
    let params = page_after(revision, "revision", max)?;
    let rows = session.fetch_all(statements.changes_since, params).await?;
    rows.iter().map(committed_changes).collect()
}

fn committed_changes(row: &impl RowValues) -> Result<CommittedChanges, StoreError> {
    Ok(CommittedChanges {
        revision: revision_from(row.integer(0)?)?,
        committed_at: parse_timestamp(&row.text(1)?)?,
        changes: decode(&row.text(2)?)?,
    })
}

/// Events matching every filter of the query, newest first.
pub async fn audit<S: Session>(
    session: &mut S,
    statements: &Statements,
    query: &AuditQuery,
) -> Result<Vec<AuditEvent>, StoreError> {
    let mut sql = Filtered::new(statements, statements.audit_where);
    if let Some(group) = query.group_id {
        sql.and(" AND group_id = ", Param::Text(group.to_string()));
    }
    if let Some(principal) = query.principal_id {
        sql.and(" AND principal_id = ", Param::Text(principal.to_string()));
    }
    if let Some(actor) = query.actor {
        sql.and(" AND actor = ", Param::Text(actor.to_string()));
    }
    for user in [query.involving, query.person].into_iter().flatten() {
        sql.and(" AND (actor = ", Param::Text(user.to_string()));
        sql.and(" OR principal_id = ", Param::Text(user.to_string()));
        sql.text.push(')');
    }
    if let Some(action) = &query.action {
        sql.and(" AND action = ", Param::Text(action.clone()));
    }
    if let Some(since) = query.since {
        sql.and(" AND at >= ", Param::Text(timestamp(since)));
    }
    if let Some(until) = query.until {
        sql.and(" AND at < ", Param::Text(timestamp(until)));
    }
    if let Some(before) = query.before_sequence {
        let before = to_integer(before, "audit sequence")?;
        sql.and(" AND sequence < ", Param::Integer(before));
    }
    let max = match query.limit {
        0 => DEFAULT_AUDIT_LIMIT,
        max => max,
    };
    sql.and(" ORDER BY sequence DESC LIMIT ", Param::Integer(limit(max)));
    let rows = session.fetch_all(&sql.text, sql.params).await?;
    rows.iter().map(audit_event).collect()
}

/// A query whose filters are added one at a time, each with its parameter.
pub(super) struct Filtered {
    pub text: String,
    pub params: Vec<Param>,
    parameter: fn(usize) -> String,
}

impl Filtered {
    /// `base` ends in a `WHERE` clause that filters can follow with `AND`.
    pub fn new(statements: &Statements, base: &str) -> Filtered {
        Filtered {
            text: base.to_owned(),
            params: Vec::new(),
            parameter: statements.parameter,
        }
    }

    pub fn and(&mut self, clause: &str, param: Param) {
        self.params.push(param);
        self.text.push_str(clause);
        self.text.push_str(&(self.parameter)(self.params.len()));
    }
}

/// Events after `after_sequence` in chain order.
pub async fn audit_chain<S: Session>(
    session: &mut S,
    statements: &Statements,
    after_sequence: u64,
    max: usize,
) -> Result<Vec<AuditEvent>, StoreError> {
    let params = page_after(after_sequence, "audit sequence", max)?;
    let rows = session.fetch_all(statements.audit_chain, params).await?;
    rows.iter().map(audit_event).collect()
}

/// The parameters of a page of rows: those after the `what` numbered `after`, at most `max`.
fn page_after(after: u64, what: &str, max: usize) -> Result<Vec<Param>, StoreError> {
    Ok(vec![
        Param::Integer(to_integer(after, what)?),
        Param::Integer(limit(max)),
    ])
}

fn audit_event(row: &impl RowValues) -> Result<AuditEvent, StoreError> {
    Ok(AuditEvent {
        sequence: from_integer(row.integer(0)?, "audit sequence")?,
        record: decode(&row.text(1)?)?,
        previous_hash: row.text(2)?,
        hash: row.text(3)?,
    })
}
