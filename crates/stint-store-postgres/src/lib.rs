//! `stint-store-postgres` owns Stint's shared database: the PostgreSQL schema and its migrations,
//! and the [`Store`] port implemented on it, for one or several `stint serve` nodes.
//!
//! A commit is one READ COMMITTED transaction whose first statement locks the single row of the
//! `revision` table (`SELECT ... FOR UPDATE`): that is [`Store::lock_for_write`], which writers on
//! every node queue on, so a node holding it decides on the latest revision. Then the commit
//! upserts the changed objects, appends the audit events to their hash chain (SPEC U4), logs the
//! changes and moves the revision on: all of it, or nothing (SPEC U3). Unique constraints (the
//! user name, the audit event id, every key) are the first line of defence against duplicates.
//!
//! Every commit notifies the `stint_revisions` channel, so that [`Store::wait_for_change`] on the
//! other nodes returns as soon as it is committed (`LISTEN/NOTIFY`; see `notify.rs`).
//!
//! [`Store::load`] reads every table in one REPEATABLE READ, READ ONLY transaction, so the state
//! and its revision come from one snapshot.
//!
//! Each object is stored whole as JSON in a `doc` column, next to the key and lookup columns; the
//! schema is in `migrations/`, and its versions mirror the SQLite adapter's.

mod column;
mod connect;
mod error;
mod migrations;
mod notify;
mod read;
#[cfg(feature = "testing")]
pub mod testing;
mod write;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};
use stint_core::audit::{AuditEvent, AuditQuery};
use stint_core::{Decision, State};
use stint_store::{CommittedChanges, Revision, Store, StoreError, WriteLock};

use crate::error::from_sqlx;

pub use crate::migrations::SCHEMA_VERSION;

/// How [`Store::load`] begins: one snapshot for every table, and no writes.
const BEGIN_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/// A Stint database on a PostgreSQL server, shared by every node that opens it.
#[derive(Debug)]
pub struct PostgresStore {
    pool: PgPool,
    listener: notify::Listener,
}

impl PostgresStore {
    /// Connects to the database at `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or
    /// `postgresql://`; the usual query parameters such as `sslmode` and `options` apply) and
    /// migrates it to [`SCHEMA_VERSION`]. The database must exist.
    ///
    /// Fails with [`StoreError::SchemaTooNew`] if a newer Stint has written the database.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, true).await
    }

    /// [`open`](Self::open), but without migrating when `migrate` is false: then a database
    /// that is not at [`SCHEMA_VERSION`] is refused ([`StoreError::SchemaTooOld`] or
    /// [`StoreError::SchemaTooNew`]) and left as it is.
    pub async fn open_with(url: &str, migrate: bool) -> Result<PostgresStore, StoreError> {
        let pool = connect::pool(url).await?;
        let ready = if migrate {
            migrations::run(&pool).await
        } else {
            migrations::verify(&pool).await
        };
        if let Err(error) = ready {
            pool.close().await;
            return Err(error);
        }
        tracing::info!(
            schema_version = SCHEMA_VERSION,
            "opened the PostgreSQL store"
        );
        Ok(PostgresStore {
            pool,
            listener: notify::Listener::default(),
        })
    }

    /// Closes every connection, waiting for calls in progress to finish. The store refuses
    /// further calls afterwards.
    pub async fn close(&self) {
        // The pool is marked closed first, which ends a wait in progress; then the listening
        // connection goes back to the pool, which could not finish closing while it is out.
        tokio::join!(self.pool.close(), self.listener.stop());
    }

    async fn connection(&self) -> Result<PoolConnection<Postgres>, StoreError> {
        self.pool.acquire().await.map_err(from_sqlx)
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn load(&self) -> Result<State, StoreError> {
        let mut transaction = self
            .pool
            .begin_with(BEGIN_SNAPSHOT)
            .await
            .map_err(from_sqlx)?;
        let state = read::load(&mut transaction).await?;
        transaction.commit().await.map_err(from_sqlx)?;
        Ok(state)
    }

    async fn revision(&self) -> Result<Revision, StoreError> {
        read::current_revision(&mut *self.connection().await?).await
    }

    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError> {
        let mut transaction = self.pool.begin().await.map_err(from_sqlx)?;
        let revision = write::lock_revision(&mut transaction).await?;
        Ok(Box::new(PgWriteLock {
            transaction,
            revision,
        }))
    }

    async fn changes_since(
        &self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError> {
        read::changes_since(&mut *self.connection().await?, revision, limit).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEvent>, StoreError> {
        read::audit(&mut *self.connection().await?, query).await
    }

    async fn audit_chain(
        &self,
        after_sequence: u64,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        read::audit_chain(&mut *self.connection().await?, after_sequence, limit).await
    }

    async fn wait_for_change(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        self.listener.wait(&self.pool, timeout).await
    }
}

/// A transaction holding the lock on the `revision` row.
struct PgWriteLock {
    transaction: Transaction<'static, Postgres>,
    revision: Revision,
}

#[async_trait]
impl WriteLock for PgWriteLock {
    fn revision(&self) -> Revision {
        self.revision
    }

    async fn changes_since(
        &mut self,
        revision: Revision,
        limit: usize,
    ) -> Result<Vec<CommittedChanges>, StoreError> {
        read::changes_since(&mut self.transaction, revision, limit).await
    }

    async fn commit(
        mut self: Box<Self>,
        decision: &Decision,
        committed_at: DateTime<Utc>,
    ) -> Result<Revision, StoreError> {
        let revision =
            write::commit(&mut self.transaction, self.revision, decision, committed_at).await?;
        self.transaction.commit().await.map_err(from_sqlx)?;
        Ok(revision)
    }
}
