//! Where the database is and how every connection to it is set up.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqlitePool};
use stint_store::sql::multi_row::PREPARED_STATEMENTS;
use stint_store::StoreError;
use tokio::time::Instant;

use crate::error::from_sqlx;

/// How long a connection waits for another writer before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Readers run in parallel under WAL; writers queue on the store's lock.
const MAX_FILE_CONNECTIONS: u32 = 8;

/// How long to wait before trying again to switch a busy file to WAL.
const WAL_RETRY_PAUSE: Duration = Duration::from_millis(20);

/// How many pages the WAL may hold before a committing writer checkpoints it itself (SQLite's
/// default is 1,000, which put a checkpoint on every other group commit's path).
const WAL_CHECKPOINT_PAGES: u32 = 16_384;

/// The size, in bytes, a checkpointed WAL file is cut back to.
const WAL_SIZE_LIMIT: u64 = 64 << 20;

/// SQLite's primary result code for "the database file is locked".
const SQLITE_BUSY: i64 = 5;

/// Opens a pool on `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:` or a plain path, creating
/// the file if it is missing.
pub(crate) async fn pool(url_or_path: &str) -> Result<SqlitePool, StoreError> {
    let in_memory = is_in_memory(url_or_path);
    let options = options(url_or_path)?
        .create_if_missing(true)
        .busy_timeout(BUSY_TIMEOUT);
    if !in_memory {
        switch_to_wal(&options).await?;
    }
    let options = options
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .statement_cache_capacity(PREPARED_STATEMENTS)
        // Checkpoints run beside the writes (`checkpoint.rs`); a writer checkpoints itself only
        // when they fall this far behind.
        .pragma("wal_autocheckpoint", WAL_CHECKPOINT_PAGES.to_string())
        .pragma("journal_size_limit", WAL_SIZE_LIMIT.to_string());
    pool_options(in_memory)
        .connect_with(options)
        .await
        .map_err(from_sqlx)
}

/// Puts the file in WAL mode once, before the pool opens. The switch needs an exclusive lock that
/// SQLite's busy timeout does not wait for, so two processes creating the same file at once would
/// otherwise see "database is locked"; here the loser tries again until [`BUSY_TIMEOUT`]. Once the
/// file is in WAL mode, every later connection's `journal_mode=WAL` changes nothing.
async fn switch_to_wal(options: &SqliteConnectOptions) -> Result<(), StoreError> {
    let deadline = Instant::now() + BUSY_TIMEOUT;
    loop {
        match try_switch_to_wal(options).await {
            Err(error) if is_busy(&error) && Instant::now() < deadline => {
                tokio::time::sleep(WAL_RETRY_PAUSE).await;
            }
            outcome => return outcome.map_err(from_sqlx),
        }
    }
}

async fn try_switch_to_wal(options: &SqliteConnectOptions) -> Result<(), sqlx::Error> {
    let mut connection = options.connect().await?;
    let switched = sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut connection)
        .await;
    connection.close().await?;
    switched.map(drop)
}

fn is_busy(error: &sqlx::Error) -> bool {
    let code = error.as_database_error().and_then(|e| e.code());
    code.and_then(|code| code.parse::<i64>().ok())
        .is_some_and(|code| code & 0xff == SQLITE_BUSY)
}

pub(crate) fn options(url_or_path: &str) -> Result<SqliteConnectOptions, StoreError> {
    if url_or_path.trim().is_empty() {
        return Err(StoreError::Backend("no database path was given".to_owned()));
    }
    if url_or_path.starts_with("sqlite:") || url_or_path == ":memory:" {
        SqliteConnectOptions::from_str(url_or_path).map_err(from_sqlx)
    } else {
        // A plain path is taken as it is: no URL decoding, no query parameters.
        Ok(SqliteConnectOptions::new().filename(url_or_path))
    }
}

/// The file of a database URL or path; `None` for an in-memory database or an unreadable URL.
pub fn database_file(url_or_path: &str) -> Option<std::path::PathBuf> {
    if is_in_memory(url_or_path) {
        return None;
    }
    let options = options(url_or_path).ok()?;
    Some(options.get_filename().to_path_buf())
}

pub(crate) fn is_in_memory(url_or_path: &str) -> bool {
    let url = url_or_path.starts_with("sqlite:");
    url_or_path == ":memory:"
        || (url && url_or_path.contains(":memory:"))
        || (url && url_or_path.contains("mode=memory"))
}

/// An in-memory database lives as long as its connection, and each connection would see its own:
/// so exactly one connection, kept open for the life of the pool.
fn pool_options(in_memory: bool) -> SqlitePoolOptions {
    if in_memory {
        SqlitePoolOptions::new()
            .min_connections(1)
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
    } else {
        SqlitePoolOptions::new().max_connections(MAX_FILE_CONNECTIONS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised_and_paths_are_not() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://stint?mode=memory"));
        assert!(is_in_memory(":memory:"));
        assert!(!is_in_memory("sqlite:///var/lib/stint/stint.db"));
        assert!(!is_in_memory("stint.db"));
    }

    #[test]
    fn urls_and_plain_paths_name_the_same_file() {
        let from_url = options("sqlite:///var/lib/stint/stint.db").unwrap();
        let from_short_url = options("sqlite:/var/lib/stint/stint.db").unwrap();
        let from_path = options("/var/lib/stint/stint.db").unwrap();
        assert_eq!(from_url.get_filename(), from_path.get_filename());
        assert_eq!(from_short_url.get_filename(), from_path.get_filename());
    }

    #[test]
    fn an_empty_location_is_refused() {
        assert!(options(" ").is_err());
    }
}
