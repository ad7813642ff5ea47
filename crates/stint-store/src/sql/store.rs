//! The [`Store`] port implemented once for every SQL adapter ([`SqlStore`]), and the write lock
//! that a transaction holds.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::ids::ConnectorId;
use stint_core::{Decision, State};

use uuid::Uuid;

use super::{connectors, outbox, read, write, Session, Statements, Transaction};
use crate::connectors::ConnectorProgress;
use crate::outbox::{
    ClaimedMessage, DeliveryAttempt, OutboxEntry, OutboxQuery, OutboxStats, Settlement,
};
use crate::{CommittedChanges, Revision, Store, StoreError, WriteLock};

/// What a SQL adapter supplies: its statements, connections from its pool and how it begins
/// its transactions. [`Store`] follows.
#[async_trait]
pub trait SqlStore: Send + Sync + std::fmt::Debug + 'static {
    /// A connection from the pool.
    type Session: Session;
    /// A transaction of the store.
    type Transaction: Transaction;

    /// The adapter's statements.
    const STATEMENTS: &'static Statements;

    /// A connection from the pool.
    async fn session(&self) -> Result<Self::Session, StoreError>;

    /// Begins a transaction from whose one snapshot every table and the revision are read.
    async fn snapshot(&self) -> Result<Self::Transaction, StoreError>;

    /// Begins a transaction that writes outside the state (the outbox), holding the database's
    /// write lock from the start where the database has one.
    async fn write_transaction(&self) -> Result<Self::Transaction, StoreError>;

    /// See [`Store::lock_for_write`]; the adapter takes its locks, then [`lock_for_write`].
    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError>;

    /// Held by a write outside the state (the outbox's claims and settlements, connector
    /// progress) while it runs. Where the database has one writer at a time and lets waiting
    /// writers poll for it (SQLite), this is the place in the same queue the commits take, so that
    /// back-to-back commits cannot starve those writes; elsewhere nothing.
    async fn write_turn(&self) -> Box<dyn Send + '_> {
        Box::new(())
    }

    /// See [`Store::wait_for_change`]; this default just sleeps, so callers poll.
    async fn wait_for_change(&self, timeout: Duration) -> Result<(), StoreError> {
        tokio::time::sleep(timeout).await;
        Ok(())
    }
}

#[async_trait]
impl<S: SqlStore> Store for S {
    async fn load(&self) -> Result<State, StoreError> {
        let mut snapshot = self.snapshot().await?;
        let state = read::load(&mut snapshot, S::STATEMENTS).await?;
        snapshot.commit().await?;
        Ok(state)
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        let latest = S::STATEMENTS.current_revision;
        read::revision(&mut self.session().await?, latest).await
    }

    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError> {
        SqlStore::lock_for_write(self).await
    }

    async fn changes_since(
        &self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError> {
        let mut session = self.session().await?;
        read::changes_since(&mut session, S::STATEMENTS, revision, limit).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        read::audit(&mut self.session().await?, S::STATEMENTS, query).await
    }

    async fn audit_chain(
        &self,
        after_sequence: u64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let mut session = self.session().await?;
        read::audit_chain(&mut session, S::STATEMENTS, after_sequence, limit).await
    }

    async fn claim_messages(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<ClaimedMessage>, StoreError> {
        let _turn = self.write_turn().await;
        let mut session = self.session().await?;
        outbox::claim(&mut session, S::STATEMENTS, worker, now, lease_until, limit).await
    }

    async fn settle_messages(
        &self,
        worker: &str,
        settlements: &[(Uuid, Settlement)],
        now: DateTime<Utc>,
    ) -> Result<Vec<bool>, StoreError> {
        let _turn = self.write_turn().await;
        let mut transaction = self.write_transaction().await?;
        let mut settled = Vec::with_capacity(settlements.len());
        for (id, settlement) in settlements {
            let statements = S::STATEMENTS;
            settled.push(
                outbox::settle(&mut transaction, statements, *id, worker, settlement, now).await?,
            );
        }
        transaction.commit().await?;
        Ok(settled)
    }

    async fn outbox(&self, query: &OutboxQuery) -> Result<Vec<OutboxEntry>, StoreError> {
        outbox::list(&mut self.session().await?, S::STATEMENTS, query).await
    }

    async fn delivery_attempts(&self, id: Uuid) -> Result<Vec<DeliveryAttempt>, StoreError> {
        outbox::attempts(&mut self.session().await?, S::STATEMENTS, id).await
    }

    async fn redrive_message(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
        outbox::redrive(&mut self.session().await?, S::STATEMENTS, id, now).await
    }

    async fn outbox_stats(&self) -> Result<OutboxStats, StoreError> {
        outbox::stats(&mut self.session().await?, S::STATEMENTS).await
    }

    async fn claim_connector(
        &self,
        connector: ConnectorId,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut session = self.session().await?;
        connectors::claim(
            &mut session,
            S::STATEMENTS,
            connector,
            worker,
            now,
            lease_until,
        )
        .await
    }

    async fn connector_progress(
        &self,
        connector: ConnectorId,
    ) -> Result<Option<ConnectorProgress>, StoreError> {
        connectors::read(&mut self.session().await?, S::STATEMENTS, connector).await
    }

    async fn save_connector_progress(
        &self,
        connector: ConnectorId,
        worker: &str,
        progress: &ConnectorProgress,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await;
        let mut session = self.session().await?;
        connectors::save(&mut session, S::STATEMENTS, connector, worker, progress).await
    }

    async fn wait_for_change(&self, timeout: Duration) -> Result<(), StoreError> {
        SqlStore::wait_for_change(self, timeout).await
    }
}

/// The write lock held by `transaction`, which has just taken the database's lock, and by
/// `guard` (another lock of the adapter, or `()`): reads the revision with `revision` (the
/// latest, or the one the statement locks) and holds both until it commits or is dropped.
pub async fn lock_for_write<'a, T, G>(
    mut transaction: T,
    statements: &'static Statements,
    revision: &str,
    guard: G,
) -> Result<Box<dyn WriteLock + 'a>, StoreError>
where
    T: Transaction + 'a,
    G: Send + 'a,
{
    let revision = read::revision(&mut transaction, revision).await?;
    Ok(Box::new(TransactionLock {
        transaction,
        statements,
        revision,
        _guard: guard,
    }))
}

/// A transaction that holds the store's write lock.
struct TransactionLock<T, G> {
    transaction: T,
    statements: &'static Statements,
    revision: Revision,
    _guard: G,
}

#[async_trait]
impl<T: Transaction, G: Send> WriteLock for TransactionLock<T, G> {
    fn revision(&self) -> Revision {
        self.revision
    }

    async fn changes_since(
        &mut self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError> {
        read::changes_since(&mut self.transaction, self.statements, revision, limit).await
    }

    async fn commit_all(
        mut self: Box<Self>,
        decisions: &[(&Decision, DateTime<Utc>)],
    ) -> Result<Vec<Revision>, StoreError> {
        let revisions = write::commit_all(
            &mut self.transaction,
            self.statements,
            self.revision,
            decisions,
        )
        .await?;
        self.transaction.commit().await?;
        Ok(revisions)
    }
}
