//! `stint-store-postgres` owns Stint's shared database: the PostgreSQL schema and its migrations,
//! and the [`Store`](stint_store::Store) port implemented on it, for one or several `stint serve`
//! nodes. The port's SQL-free half is shared with the SQLite adapter ([`stint_store::sql`]);
//! this crate supplies PostgreSQL's statements, connections, locks and notifications.
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
//!
//! [`Store::lock_for_write`]: stint_store::Store::lock_for_write
//! [`Store::wait_for_change`]: stint_store::Store::wait_for_change
//! [`Store::load`]: stint_store::Store::load

mod connect;
mod error;
mod migrations;
mod notify;
mod session;
mod statements;
#[cfg(feature = "testing")]
pub mod testing;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres, Transaction};
use stint_store::sql::{self, SqlStore, Statements};
use stint_store::{StoreError, WriteLock};

use crate::error::from_sqlx;
use crate::session::Session;
use crate::statements::{LOCK_REVISION, STATEMENTS};

pub use crate::migrations::SCHEMA_VERSION;

/// How a load begins ([`SqlStore::snapshot`]): one snapshot for every table, and no writes.
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
impl SqlStore for PostgresStore {
    type Session = Session<PoolConnection<Postgres>>;
    type Transaction = Session<Transaction<'static, Postgres>>;

    const STATEMENTS: &'static Statements = &STATEMENTS;

    async fn session(&self) -> Result<Self::Session, StoreError> {
        self.connection().await.map(Session)
    }

    async fn snapshot(&self) -> Result<Self::Transaction, StoreError> {
        let snapshot = self.pool.begin_with(BEGIN_SNAPSHOT).await;
        snapshot.map(Session).map_err(from_sqlx)
    }

    async fn write_transaction(&self) -> Result<Self::Transaction, StoreError> {
        self.pool.begin().await.map(Session).map_err(from_sqlx)
    }

    /// A transaction holding the lock on the `revision` row.
    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError> {
        let transaction = self.pool.begin().await.map_err(from_sqlx)?;
        sql::lock_for_write(Session(transaction), &STATEMENTS, LOCK_REVISION, ()).await
    }

    async fn wait_for_change(&self, timeout: std::time::Duration) -> Result<(), StoreError> {
        self.listener.wait(&self.pool, timeout).await
    }
}
