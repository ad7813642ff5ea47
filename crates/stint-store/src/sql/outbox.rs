//! The notification outbox's SQL-free half (N3): messages written with their decision, claimed
//! for a lease, settled with one row per attempt.

use chrono::{DateTime, Utc};
use stint_core::notify::OutboxMessage;
use uuid::Uuid;

use super::codec::{decode, from_integer, json, limit, parse_timestamp, timestamp, to_integer};
use super::read::Filtered;
use super::{Param, RowValues, Session, Statements};
use crate::outbox::{
    ClaimedMessage, DeliveryAttempt, MessageState, OutboxEntry, OutboxQuery, OutboxStats,
    Settlement,
};
use crate::{Revision, StoreError};

/// How many messages a listing shows unless asked for another number.
const DEFAULT_LIST_LIMIT: usize = 100;

/// The rows of a decision's messages, pending and due at once.
pub fn insert_params(
    revision: Revision,
    messages: &[OutboxMessage],
    committed_at: DateTime<Utc>,
) -> Result<Vec<Vec<Param>>, StoreError> {
    messages
        .iter()
        .map(|message| {
            Ok(vec![
                Param::Text(message.id.to_string()),
                Param::Integer(to_integer(revision, "revision")?),
                Param::Text(timestamp(committed_at)),
                Param::Text(message.event.kind.as_str().to_owned()),
                Param::Text(message.delivery.channel().to_owned()),
                Param::Text(message.delivery.target()),
                Param::Text(json("outbox message", message)?),
                Param::Text(timestamp(committed_at)),
            ])
        })
        .collect()
}

pub async fn claim<S: Session>(
    session: &mut S,
    statements: &Statements,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    max: usize,
) -> Result<Vec<ClaimedMessage>, StoreError> {
    let params = vec![
        Param::Text(worker.to_owned()),
        Param::Text(timestamp(lease_until)),
        Param::Text(timestamp(now)),
        Param::Text(timestamp(now)),
        Param::Integer(limit(max)),
    ];
    let rows = session.fetch_all(statements.outbox.claim, params).await?;
    rows.iter()
        .map(|row| {
            let attempts = count(row.integer(1)?)?;
            let series_start = count(row.integer(2)?)?;
            Ok(ClaimedMessage {
                message: decode(&row.text(0)?)?,
                tries: attempts.saturating_sub(series_start),
            })
        })
        .collect()
}

pub async fn settle<S: Session>(
    session: &mut S,
    statements: &Statements,
    id: Uuid,
    worker: &str,
    settlement: &Settlement,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let next = match settlement {
        Settlement::Retry { at, .. } => *at,
        Settlement::Sent { .. } | Settlement::Dead { .. } => now,
    };
    let settled_at = (settlement.state() != MessageState::Pending).then(|| timestamp(now));
    let params = vec![
        Param::Text(settlement.state().as_str().to_owned()),
        Param::Text(timestamp(next)),
        Param::OptionalText(settlement.error().map(str::to_owned)),
        Param::OptionalText(settled_at),
        Param::Text(id.to_string()),
        Param::Text(worker.to_owned()),
    ];
    let rows = session.fetch_all(statements.outbox.settle, params).await?;
    let Some(row) = rows.first() else {
        return Ok(false);
    };
    let attempt = row.integer(0)?;
    let params = vec![
        Param::Text(id.to_string()),
        Param::Integer(attempt),
        Param::Text(timestamp(now)),
        Param::Text(settlement.state().as_str().to_owned()),
        Param::OptionalInteger(settlement.status().map(i64::from)),
        Param::OptionalText(settlement.error().map(str::to_owned)),
    ];
    session
        .execute(statements.outbox.insert_attempt, params)
        .await?;
    Ok(true)
}

pub async fn list<S: Session>(
    session: &mut S,
    statements: &Statements,
    query: &OutboxQuery,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let mut sql = Filtered::new(statements, statements.outbox.list_where);
    if let Some(state) = query.state {
        sql.and(" AND state = ", Param::Text(state.as_str().to_owned()));
    }
    if let Some(channel) = query.channel {
        sql.and(" AND channel = ", Param::Text(channel.to_owned()));
    }
    if let Some(target) = &query.target {
        sql.and(" AND target = ", Param::Text(target.clone()));
    }
    let max = match query.limit {
        0 => DEFAULT_LIST_LIMIT,
        max => max,
    };
    sql.and(
        " ORDER BY created_at DESC, id LIMIT ",
        Param::Integer(limit(max)),
    );
    let rows = session.fetch_all(&sql.text, sql.params).await?;
    rows.iter().map(entry).collect()
}

fn entry(row: &impl RowValues) -> Result<OutboxEntry, StoreError> {
    Ok(OutboxEntry {
        message: decode(&row.text(0)?)?,
        revision: from_integer(row.integer(1)?, "revision")?,
        created_at: parse_timestamp(&row.text(2)?)?,
        state: state(&row.text(3)?)?,
        attempts: count(row.integer(4)?)?,
        next_attempt_at: parse_timestamp(&row.text(5)?)?,
        last_error: row.optional_text(6)?,
        settled_at: row
            .optional_text(7)?
            .map(|at| parse_timestamp(&at))
            .transpose()?,
    })
}

pub async fn attempts<S: Session>(
    session: &mut S,
    statements: &Statements,
    id: Uuid,
) -> Result<Vec<DeliveryAttempt>, StoreError> {
    let params = vec![Param::Text(id.to_string())];
    let rows = session
        .fetch_all(statements.outbox.attempts, params)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(DeliveryAttempt {
                message_id: Uuid::parse_str(&row.text(0)?).map_err(|error| {
                    StoreError::Backend(format!("a stored message id is malformed: {error}"))
                })?,
                attempt: count(row.integer(1)?)?,
                at: parse_timestamp(&row.text(2)?)?,
                outcome: state(&row.text(3)?)?,
                status: row
                    .optional_integer(4)?
                    .and_then(|status| u16::try_from(status).ok()),
                detail: row.optional_text(5)?,
            })
        })
        .collect()
}

pub async fn redrive<S: Session>(
    session: &mut S,
    statements: &Statements,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let params = vec![Param::Text(timestamp(now)), Param::Text(id.to_string())];
    let rows = session.fetch_all(statements.outbox.redrive, params).await?;
    Ok(!rows.is_empty())
}

pub async fn stats<S: Session>(
    session: &mut S,
    statements: &Statements,
) -> Result<OutboxStats, StoreError> {
    let rows = session
        .fetch_all(statements.outbox.stats, Vec::new())
        .await?;
    let mut stats = OutboxStats::default();
    for row in &rows {
        let number = from_integer(row.integer(1)?, "message count")?;
        match state(&row.text(0)?)? {
            MessageState::Pending => {
                stats.pending = number;
                stats.oldest_pending = row
                    .optional_text(2)?
                    .map(|at| parse_timestamp(&at))
                    .transpose()?;
            }
            MessageState::Sent => stats.sent = number,
            MessageState::Dead => stats.dead = number,
        }
    }
    Ok(stats)
}

fn state(text: &str) -> Result<MessageState, StoreError> {
    MessageState::parse(text)
        .ok_or_else(|| StoreError::Backend(format!("a stored message state is unknown: {text}")))
}

fn count(number: i64) -> Result<u32, StoreError> {
    u32::try_from(number)
        .map_err(|_| StoreError::Backend("a stored attempt count is out of range".to_owned()))
}
