//! Commits: one statement per change, the audit chain and the change log, all inside the
//! adapter's transaction that holds the store's write lock.

use chrono::{DateTime, Utc};
use stint_core::audit::{chain_hash, AuditRecord, GENESIS_HASH};
use stint_core::{Change, Decision};

use super::codec::{from_integer, json, outcome_name, timestamp, to_integer};
use super::documents::change_params;
use super::{fetch_optional, Param, RowValues, Session, Statements};
use crate::{Revision, StoreError};

/// Writes the decision as the revision after `current`, inside the caller's write transaction,
/// which the caller commits on `Ok` (dropped, it rolls back).
pub async fn commit<S: Session>(
    session: &mut S,
    statements: &Statements,
    current: Revision,
    decision: &Decision,
    committed_at: DateTime<Utc>,
) -> Result<Revision, StoreError> {
    for change in &decision.changes {
        let (sql, params) = change_params(&statements.upserts, change)?;
        session.execute(sql, params).await?;
    }
    append_audit(session, statements, &decision.audit).await?;
    let revision = current + 1;
    super::outbox::insert(
        session,
        statements,
        revision,
        &decision.outbox,
        committed_at,
    )
    .await?;
    log_revision(
        session,
        statements,
        revision,
        committed_at,
        &decision.changes,
    )
    .await?;
    Ok(revision)
}

/// Numbers the records after the last stored event and links each to the one before (U4).
async fn append_audit<S: Session>(
    session: &mut S,
    statements: &Statements,
    records: &[AuditRecord],
) -> Result<(), StoreError> {
    if records.is_empty() {
        return Ok(());
    }
    let (mut sequence, mut previous_hash) = chain_head(session, statements).await?;
    for record in records {
        sequence += 1;
        let hash = chain_hash(&previous_hash, sequence, record);
        let params = audit_params(sequence, record, &previous_hash, &hash)?;
        session
            .execute(statements.insert_audit_event, params)
            .await?;
        previous_hash = hash;
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

/// Appends the commit to the change log and moves the latest revision to it.
async fn log_revision<S: Session>(
    session: &mut S,
    statements: &Statements,
    revision: Revision,
    committed_at: DateTime<Utc>,
    changes: &[Change],
) -> Result<(), StoreError> {
    let revision = to_integer(revision, "revision")?;
    let entry = vec![
        Param::Integer(revision),
        Param::Text(timestamp(committed_at)),
        Param::Text(json("change log entry", changes)?),
    ];
    session.execute(statements.insert_revision, entry).await?;
    let latest = vec![Param::Integer(revision)];
    session.execute(statements.move_revision, latest).await?;
    if let Some(notify) = statements.notify {
        // Delivered to the listeners of every node when (and only if) the transaction commits.
        let payload = vec![Param::Text(revision.to_string())];
        session.execute(notify, payload).await?;
    }
    Ok(())
}
