//! `stint-store-sqlite` owns Stint's embedded database: the SQLite schema and its migrations, and
//! the [`Store`](stint_store::Store) port implemented on it: the port's SQL-free half is shared
//! with the PostgreSQL adapter ([`stint_store::sql`]); this crate supplies SQLite's statements,
//! connections and locks.
//!
//! Every connection runs with `journal_mode=WAL`, `synchronous=FULL`, `foreign_keys=ON` and
//! `busy_timeout=5000`; a task of the store checkpoints the WAL beside the writes
//! (`checkpoint.rs`). A commit is one `BEGIN IMMEDIATE` transaction that checks the revision,
//! upserts the changed objects, appends the audit events to their hash chain (SPEC U4), logs the
//! changes and moves the revision on: all of it, or nothing (SPEC U3). Commits of one process also
//! queue on a lock, so they never wait on SQLite's busy timeout for each other.
//!
//! Each object is stored whole as JSON in a `doc` column, next to the key and lookup columns; the
//! schema is in `migrations/`.

pub mod backup;
mod checkpoint;
mod connect;
mod error;
mod migrations;
mod process_lock;
mod session;
mod statements;

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::pool::PoolConnection;
use sqlx::{Sqlite, SqlitePool, Transaction};
use stint_store::sql::{self, SqlStore, Statements};
use stint_store::{StoreError, WriteLock};
use tokio::sync::Mutex;

use crate::checkpoint::Checkpointer;
use crate::error::from_sqlx;
use crate::session::Session;
use crate::statements::STATEMENTS;

pub use crate::connect::database_file;
pub use crate::migrations::SCHEMA_VERSION;
pub use crate::process_lock::{ProcessLock, ProcessLockError};

/// A Stint database in one SQLite file (or in memory, for tests).
#[derive(Debug)]
pub struct SqliteStore {
    /// Shared with the checkpointer only weakly: dropping the store closes the database as before.
    pool: Arc<SqlitePool>,
    /// Serialises this process's commits; `BEGIN IMMEDIATE` serialises them with other processes.
    writer: Mutex<()>,
    /// Copies the WAL back into a database file; `None` in memory.
    checkpointer: Option<Checkpointer>,
}

/// The settings SQLite reports for a connection of the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// `wal` for a file; `memory` for an in-memory database.
    pub journal_mode: String,
    /// `0` off, `1` normal, `2` full, `3` extra.
    pub synchronous: i64,
    pub foreign_keys: bool,
    pub busy_timeout_ms: i64,
    /// The WAL's size in pages at which a committing writer checkpoints it itself.
    pub wal_autocheckpoint_pages: i64,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `sqlite://PATH`, `sqlite:PATH`, a plain path, or
    /// `sqlite::memory:`, and migrates it to [`SCHEMA_VERSION`].
    ///
    /// Fails with [`StoreError::SchemaTooNew`] if a newer Stint has written the database.
    pub async fn open(url_or_path: &str) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(url_or_path, true).await
    }

    /// [`open`](Self::open), but without migrating when `migrate` is false: then a database
    /// that is not at [`SCHEMA_VERSION`] is refused ([`StoreError::SchemaTooOld`] or
    /// [`StoreError::SchemaTooNew`]) and left as it is.
    pub async fn open_with(url_or_path: &str, migrate: bool) -> Result<SqliteStore, StoreError> {
        let pool = Arc::new(connect::pool(url_or_path).await?);
        if migrate {
            migrations::run(&pool).await?;
        } else {
            migrations::verify(&pool).await?;
        }
        let checkpointer =
            (!connect::is_in_memory(url_or_path)).then(|| Checkpointer::start(&pool));
        let store = SqliteStore {
            pool,
            writer: Mutex::new(()),
            checkpointer,
        };
        let settings = store.settings().await?;
        tracing::info!(
            schema_version = SCHEMA_VERSION,
            journal_mode = %settings.journal_mode,
            synchronous = settings.synchronous,
            "opened the SQLite store"
        );
        Ok(store)
    }

    /// Copies the WAL into the file and empties it, then closes every connection: the file alone
    /// then holds every commit, for a plain copy of it.
    pub async fn close(mut self) -> Result<(), StoreError> {
        if let Some(checkpointer) = self.checkpointer.take() {
            checkpointer.stop().await;
        }
        let mut connection = self.connection().await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *connection)
            .await
            .map_err(from_sqlx)?;
        drop(connection);
        self.pool.close().await;
        Ok(())
    }

    /// The settings in force on the store's connections, as SQLite reports them.
    pub async fn settings(&self) -> Result<ConnectionSettings, StoreError> {
        let mut connection = self.connection().await?;
        let journal_mode = pragma(&mut connection, "journal_mode").await?;
        Ok(ConnectionSettings {
            journal_mode,
            synchronous: pragma(&mut connection, "synchronous").await?,
            foreign_keys: pragma::<i64>(&mut connection, "foreign_keys").await? == 1,
            busy_timeout_ms: pragma(&mut connection, "busy_timeout").await?,
            wal_autocheckpoint_pages: pragma(&mut connection, "wal_autocheckpoint").await?,
        })
    }

    async fn connection(&self) -> Result<PoolConnection<Sqlite>, StoreError> {
        self.pool.acquire().await.map_err(from_sqlx)
    }
}

async fn pragma<T>(connection: &mut PoolConnection<Sqlite>, name: &str) -> Result<T, StoreError>
where
    T: for<'r> sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite> + Send + Unpin,
{
    sqlx::query_scalar(&format!("PRAGMA {name}"))
        .fetch_one(&mut **connection)
        .await
        .map_err(from_sqlx)
}

#[async_trait]
impl SqlStore for SqliteStore {
    type Session = Session<PoolConnection<Sqlite>>;
    type Transaction = Session<Transaction<'static, Sqlite>>;

    const STATEMENTS: &'static Statements = &STATEMENTS;

    async fn session(&self) -> Result<Self::Session, StoreError> {
        self.connection().await.map(Session)
    }

    async fn snapshot(&self) -> Result<Self::Transaction, StoreError> {
        // A read transaction: every table is read from the same snapshot.
        self.pool.begin().await.map(Session).map_err(from_sqlx)
    }

    /// `BEGIN IMMEDIATE`: a deferred transaction that writes after reading could not take the
    /// lock when another writer holds it, and would fail instead of waiting.
    async fn write_transaction(&self) -> Result<Self::Transaction, StoreError> {
        let transaction = self.pool.begin_with("BEGIN IMMEDIATE").await;
        transaction.map(Session).map_err(from_sqlx)
    }

    /// This process's queue of writers: SQLite's busy handler polls, so a writer that waits for
    /// it behind back-to-back group commits could wait past its timeout.
    async fn write_turn(&self) -> Box<dyn Send + '_> {
        Box::new(self.writer.lock().await)
    }

    /// A `BEGIN IMMEDIATE` transaction: SQLite's write lock, taken after this process's own
    /// queue.
    async fn lock_for_write(&self) -> Result<Box<dyn WriteLock + '_>, StoreError> {
        let in_process = self.writer.lock().await;
        let transaction = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(from_sqlx)?;
        let latest = STATEMENTS.current_revision;
        sql::lock_for_write(Session(transaction), &STATEMENTS, latest, in_process).await
    }
}
