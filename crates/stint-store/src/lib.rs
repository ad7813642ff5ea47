//! `stint-store` owns the store port: the narrow, domain-shaped trait through which the
//! application reads and writes its state, and the conformance suite that every adapter
//! (SQLite, PostgreSQL) must pass.
//!
//! The SQL adapters share their SQL-free code through [`sql`].
//!
//! A write is one [`Decision`]: the changed objects and their audit events, committed in one
//! transaction with the next revision, or not at all (SPEC U3).

pub mod bulk;
pub mod conformance;
pub mod connectors;
pub mod outbox;
pub mod samples;
pub mod sql;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::ids::ConnectorId;
use stint_core::{Change, Decision, State};
use uuid::Uuid;

use crate::connectors::ConnectorProgress;
use crate::outbox::{
    ClaimedMessage, DeliveryAttempt, OutboxEntry, OutboxQuery, OutboxStats, Settlement,
};

/// A committed write's number. Revisions increase by one with every commit.
pub type Revision = u64;

#[derive(Clone, Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer committed since the state the decision was made on.
    #[error("the store moved on to revision {current} since revision {expected}")]
    Conflict {
        expected: Revision,
        current: Revision,
    },
    /// A database constraint refused the write (e.g. a second user with the same name).
    #[error("the write breaks a uniqueness rule: {0}")]
    Duplicate(String),
    /// The database was written by a newer version of Stint.
    #[error("the database schema is version {found}, newer than this Stint ({supported}); upgrade Stint")]
    SchemaTooNew { found: i64, supported: i64 },
    /// Opened without migrating, and the database is behind this Stint's schema.
    #[error(
        "the database schema is version {found}, this Stint needs {needed}; run `stint migrate`"
    )]
    SchemaTooOld { found: i64, needed: i64 },
    /// Anything else from the database; the text is for logs, never for responses.
    #[error("database error: {0}")]
    Backend(String),
}

/// One commit as recorded in the change log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommittedChanges {
    pub revision: Revision,
    pub committed_at: DateTime<Utc>,
    pub changes: Vec<Change>,
}

#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + 'static {
    /// The whole state at the latest revision.
    async fn load(&self) -> Result<State, StoreError>;

    /// The latest committed revision.
    async fn revision(&self) -> Result<Revision, StoreError>;

    /// Takes the store's write lock, which every writer on every node queues on: until the
    /// returned [`WriteLock`] commits or is dropped (which rolls back), nobody else commits. A
    /// writer holding it can catch up and decide knowing that its decision cannot be overtaken.
    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError>;

    /// Commits the decision's changes and audit events in one transaction and returns its revision.
    /// With `expected`, fails with [`StoreError::Conflict`] unless the latest revision is `expected`.
    async fn commit(
        &self,
        expected: Option<Revision>,
        decision: &Decision,
        committed_at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let lock = self.lock_for_write().await?;
        let current = lock.revision();
        if let Some(expected) = expected.filter(|&expected| expected != current) {
            return Err(StoreError::Conflict { expected, current });
        }
        lock.commit(decision, committed_at).await
    }

    /// The commits after `revision`, oldest first, at most `limit`.
    async fn changes_since(
        &self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError>;

    /// Audit events matching the query, newest first.
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError>;

    /// Audit events in chain order from `after_sequence` (exclusive), for verification (U4).
    async fn audit_chain(
        &self,
        after_sequence: u64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError>;

    /// N3: claims up to `limit` pending messages due at `now` that nobody holds, for `worker`
    /// until `lease_until`, oldest due first. On PostgreSQL, workers of several nodes claim
    /// disjoint sets (`FOR UPDATE SKIP LOCKED`).
    async fn claim_messages(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ClaimedMessage>, StoreError>;

    /// Records an attempt on each message `worker` holds, and settles it, in one transaction.
    /// Says for each whether it was settled: `false`, changing nothing for that message, when
    /// the claim lapsed and another worker holds it now.
    async fn settle_messages(
        &self,
        worker: &str,
        settlements: &[(Uuid, Settlement)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError>;

    /// [`Store::settle_messages`] for one message.
    async fn settle_message(
        &self,
        id: Uuid,
        worker: &str,
        settlement: &Settlement,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let settled = self
            .settle_messages(worker, &[(id, settlement.clone())], now)
            .await?;
        Ok(settled.first().copied().unwrap_or(false))
    }

    /// Messages matching the query, newest first.
    async fn outbox(&self, query: &OutboxQuery) -> Result<Vec<OutboxEntry>, StoreError>;

    /// The attempts to deliver a message, oldest first.
    async fn delivery_attempts(&self, id: Uuid) -> Result<Vec<DeliveryAttempt>, StoreError>;

    /// Makes a dead message pending again, due at `now`, with its attempts counted afresh.
    /// Returns `false` when there is no dead message with that id.
    async fn redrive_message(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Counts by state, for the console and metrics.
    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError>;

    /// Claims (or renews) the lease on driving `connector` for `worker` until `lease_until`,
    /// creating its progress at revision 0 the first time. `false` when another worker holds a
    /// lease that has not lapsed at `now`.
    async fn claim_connector(
        &self,
        connector: ConnectorId,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// A connector's progress, if a worker ever claimed it.
    async fn connector_progress(
        &self,
        connector: ConnectorId,
    ) -> Result<Option<ConnectorProgress>, StoreError>;

    /// Writes a connector's cursor, pushed sets and status (not its lease). `false`, writing
    /// nothing, unless `worker` holds the lease.
    async fn save_connector_progress(
        &self,
        connector: ConnectorId,
        worker: &str,
        progress: &ConnectorProgress,
    ) -> Result<bool, StoreError>;

    /// Returns when another writer may have committed, or after `timeout` at the latest; nodes
    /// follow each other with it (X2). A return says nothing for sure: the caller reads
    /// [`Store::changes_since`] either way. This default just sleeps, so callers poll; a store
    /// that can be told of commits (PostgreSQL `LISTEN`) returns as soon as one happens.
    async fn wait_for_change(&self, timeout: Duration) -> Result<(), StoreError> {
        tokio::time::sleep(timeout).await;
        Ok(())
    }
}

/// A write in progress, holding the store's write lock (see [`Store::lock_for_write`]).
#[async_trait]
pub trait WriteLock: Send {
    /// The latest committed revision. It cannot move while the lock is held.
    fn revision(&self) -> Revision;

    /// The commits after `revision`, oldest first, at most `limit`: what the holder needs to
    /// reach [`WriteLock::revision`] before it decides.
    async fn changes_since(
        &mut self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError>;

    /// Commits the decision as revision [`WriteLock::revision`] + 1 and releases the lock.
    async fn commit(
        self: Box<Self>,
        decision: &Decision,
        committed_at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let revisions = self.commit_all(&[(decision, committed_at)]).await?;
        revisions.first().copied().ok_or_else(|| {
            StoreError::Backend("a commit of one decision gave no revision".to_owned())
        })
    }

    /// Commits the decisions, in order, as the revisions after [`WriteLock::revision`], in one
    /// transaction (group commit, ADR 0017): all of them or none. Answers their revisions.
    async fn commit_all(
        self: Box<Self>,
        decisions: &[(&Decision, DateTime<Utc>)],
    ) -> Result<Vec<Revision>, StoreError>;
}
