//! Connector progress's SQL-free half: the lease claimed like an outbox message's, the cursor,
//! pushed sets and status written only by the lease's holder.

use chrono::{DateTime, Utc};
use stint_core::ids::ConnectorId;

use super::codec::{decode, from_integer, json, parse_timestamp, timestamp, to_integer};
use super::{fetch_optional, Param, RowValues, Session, Statements};
use crate::connectors::ConnectorProgress;
use crate::StoreError;

pub async fn claim<S: Session>(
    session: &mut S,
    statements: &Statements,
    connector: ConnectorId,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let params = vec![
        Param::Text(connector.to_string()),
        Param::Text(worker.to_owned()),
        Param::Text(timestamp(lease_until)),
        Param::Text(timestamp(now)),
    ];
    let row = fetch_optional(session, statements.connectors.claim, params).await?;
    Ok(row.is_some())
}

pub async fn read<S: Session>(
    session: &mut S,
    statements: &Statements,
    connector: ConnectorId,
) -> Result<Option<ConnectorProgress>, StoreError> {
    let params = vec![Param::Text(connector.to_string())];
    let Some(row) = fetch_optional(session, statements.connectors.read, params).await? else {
        return Ok(None);
    };
    let lease = match (row.optional_text(3)?, row.optional_text(4)?) {
        (Some(holder), Some(until)) => Some((holder, parse_timestamp(&until)?)),
        _ => None,
    };
    Ok(Some(ConnectorProgress {
        revision: from_integer(row.integer(0)?, "revision")?,
        pushed: decode(&row.text(1)?)?,
        status: decode(&row.text(2)?)?,
        lease,
    }))
}

pub async fn save<S: Session>(
    session: &mut S,
    statements: &Statements,
    connector: ConnectorId,
    worker: &str,
    progress: &ConnectorProgress,
) -> Result<bool, StoreError> {
    let params = vec![
        Param::Integer(to_integer(progress.revision, "revision")?),
        Param::Text(json("pushed set", &progress.pushed)?),
        Param::Text(json("connector status", &progress.status)?),
        Param::Text(connector.to_string()),
        Param::Text(worker.to_owned()),
    ];
    let row = fetch_optional(session, statements.connectors.save, params).await?;
    Ok(row.is_some())
}
