//! Commits: a batch of decisions (one, or a group commit's), each its own revision with its
//! changes, audit events chained on, messages and change-log row, all inside the adapter's
//! transaction that holds the store's write lock.
//!
//! A batch's rows go in grouped by statement, up to 64 rows a statement
//! ([`multi_row`](super::multi_row)), and the revision is moved and announced once: the cost of a
//! batch is a few round trips to the database, not five to seven a decision (ADR 0017).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use stint_core::audit::{chain_hash, AuditRecord, GENESIS_HASH};
use stint_core::Decision;

use super::codec::{from_integer, json, outcome_name, timestamp, to_integer};
use super::documents::change_params;
use super::multi_row::{multi_row, CHUNK_SIZES};
use super::{fetch_optional, Param, RowValues, Session, Statements};
use crate::{Revision, StoreError};

/// Writes `decisions` as the revisions after `current`, in order, inside the caller's write
/// transaction, which the caller commits on `Ok` (dropped, it rolls back). Returns each
/// decision's revision.
pub async fn commit_all<S: Session>(
    session: &mut S,
    statements: &Statements,
    current: Revision,
    decisions: &[(&Decision, DateTime<Utc>)],
) -> Result<Vec<Revision>, StoreError> {
    if decisions.is_empty() {
        return Ok(Vec::new());
    }
    let mut batch = Batch::default();
    let audited = decisions
        .iter()
        .any(|(decision, _)| !decision.audit.is_empty());
    let (mut sequence, mut previous_hash) = if audited {
        chain_head(session, statements).await?
    } else {
        (0, GENESIS_HASH.to_owned())
    };
    let mut revisions = Vec::with_capacity(decisions.len());
    for (offset, (decision, committed_at)) in (1..).zip(decisions) {
        let revision = current + offset;
        for change in &decision.changes {
            let (sql, params) = change_params(&statements.upserts, change)?;
            batch.changes.push((sql, params));
        }
        for record in &decision.audit {
            sequence += 1;
            let hash = chain_hash(&previous_hash, sequence, record);
            batch.add(
                statements.insert_audit_event,
                audit_params(sequence, record, &previous_hash, &hash)?,
            );
            previous_hash = hash;
        }
        for params in super::outbox::insert_params(revision, &decision.outbox, *committed_at)? {
            batch.add(statements.outbox.insert, params);
        }
        batch.add(
            statements.insert_revision,
            vec![
                Param::Integer(to_integer(revision, "revision")?),
                Param::Text(timestamp(*committed_at)),
                Param::Text(json("change log entry", &decision.changes)?),
            ],
        );
        revisions.push(revision);
    }
    batch.write(session, statements).await?;
    let latest = current + revisions.len() as Revision;
    move_revision(session, statements, latest).await?;
    Ok(revisions)
}

/// A batch's rows, by statement in the order each statement first came.
#[derive(Default)]
struct Batch {
    /// Each change's statement and parameters, in the decisions' order.
    changes: Vec<(&'static str, Vec<Param>)>,
    /// The appended rows (audit events, messages, change-log rows), by statement.
    appended: ByStatement,
}

/// Rows grouped by their statement, each statement where it first came.
type ByStatement = Vec<(&'static str, Vec<Vec<Param>>)>;

/// Adds `params` to the rows of `sql`.
fn add_row(groups: &mut ByStatement, sql: &'static str, params: Vec<Param>) {
    match groups.iter_mut().find(|(known, _)| *known == sql) {
        Some((_, rows)) => rows.push(params),
        None => groups.push((sql, vec![params])),
    }
}

impl Batch {
    fn add(&mut self, sql: &'static str, params: Vec<Param>) {
        add_row(&mut self.appended, sql, params);
    }

    async fn write<S: Session>(
        self,
        session: &mut S,
        statements: &Statements,
    ) -> Result<(), StoreError> {
        let upserts = &statements.upserts;
        // A revoked token is deleted, not upserted: with both in a batch, its changes keep their
        // exact order. Otherwise changes to different rows commute (no foreign keys join the
        // document tables), and each row's own changes keep theirs.
        if self
            .changes
            .iter()
            .any(|(sql, _)| *sql == upserts.delete_token)
        {
            for (sql, params) in self.changes {
                session.execute(sql, params).await?;
            }
        } else {
            let mut by_statement = ByStatement::new();
            for (sql, params) in self.changes {
                add_row(&mut by_statement, sql, params);
            }
            for (sql, rows) in by_statement {
                // The tenant's conflict target is its singleton row, not its first parameter.
                let alone = sql == upserts.tenant;
                insert_rows(session, statements, sql, rows, alone).await?;
            }
        }
        for (sql, rows) in self.appended {
            insert_rows(session, statements, sql, rows, false).await?;
        }
        Ok(())
    }
}

/// Runs `sql` once for each row, grouping rows into multi-row statements unless `alone`. A
/// statement never holds two rows with the same first parameter, its key: an upsert may not touch
/// one row twice (PostgreSQL refuses it), so a repeated key starts the next statement.
async fn insert_rows<S: Session>(
    session: &mut S,
    statements: &Statements,
    sql: &'static str,
    rows: Vec<Vec<Param>>,
    alone: bool,
) -> Result<(), StoreError> {
    let most = if alone { 1 } else { CHUNK_SIZES[0] };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut chunk: Vec<Vec<Param>> = Vec::new();
        let mut keys: HashSet<Param> = HashSet::new();
        while let Some(row) = rows
            .next_if(|row| chunk.len() < most && row.first().is_none_or(|key| !keys.contains(key)))
        {
            if let Some(key) = row.first() {
                keys.insert(key.clone());
            }
            chunk.push(row);
        }
        let mut chunk = chunk.into_iter();
        while chunk.len() > 0 {
            let size = CHUNK_SIZES
                .into_iter()
                .find(|size| *size <= chunk.len())
                .unwrap_or(1);
            let params: Vec<Param> = chunk.by_ref().take(size).flatten().collect();
            if size == 1 {
                session.execute(sql, params).await?;
            } else {
                let rows_sql = multi_row(sql, size, statements.parameter)?;
                session.execute(&rows_sql, params).await?;
            }
        }
    }
    Ok(())
}

/// The sequence and hash of the newest event, or 0 and the genesis hash.
async fn chain_head<S: Session>(
    session: &mut S,
    statements: &Statements,
) -> Result<(u64, String), StoreError> {
    match fetch_optional(session, statements.chain_head, Vec::new()).await? {
        Some(row) => Ok((
            from_integer(row.integer(0)?, "audit sequence")?,
            row.text(1)?,
        )),
        None => Ok((0, GENESIS_HASH.to_owned())),
    }
}

/// The columns of a stored audit event: its sequence, id, time, actor, group, principal,
/// action, outcome, the record as JSON, the previous event's hash and its own.
fn audit_params(
    sequence: u64,
    record: &AuditRecord,
    previous_hash: &str,
    hash: &str,
) -> Result<Vec<Param>, StoreError> {
    Ok(vec![
        Param::Integer(to_integer(sequence, "audit sequence")?),
        Param::Text(record.id.to_string()),
        Param::Text(timestamp(record.at)),
        Param::OptionalText(record.actor.map(|actor| actor.to_string())),
        Param::OptionalText(record.group_id.map(|group| group.to_string())),
        Param::OptionalText(record.principal_id.map(|principal| principal.to_string())),
        Param::Text(record.action.clone()),
        Param::Text(outcome_name(record.outcome).to_owned()),
        Param::Text(json("audit record", record)?),
        Param::Text(previous_hash.to_owned()),
        Param::Text(hash.to_owned()),
    ])
}

/// Moves the latest revision to `revision`, and tells the other nodes where the database can.
async fn move_revision<S: Session>(
    session: &mut S,
    statements: &Statements,
    revision: Revision,
) -> Result<(), StoreError> {
    let revision = to_integer(revision, "revision")?;
    session
        .execute(statements.move_revision, vec![Param::Integer(revision)])
        .await?;
    if let Some(notify) = statements.notify {
        // Delivered to the listeners of every node when (and only if) the transaction commits.
        let payload = vec![Param::Text(revision.to_string())];
        session.execute(notify, payload).await?;
    }
    Ok(())
}
