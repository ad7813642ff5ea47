//! Online backups: a consistent copy of a database file while servers write to it, with SQLite's
//! `VACUUM INTO`, which copies one read transaction's snapshot (so every commit before it began,
//! and none of those after) without blocking the writers.

use std::path::Path;

use sqlx::{ConnectOptions, Connection};
use stint_store::StoreError;

use crate::connect::{database_file, options, BUSY_TIMEOUT};
use crate::error::from_sqlx;

/// Why a backup was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} exists already; a backup never overwrites a file")]
    TargetExists(String),
    #[error("there is no SQLite database at {0}")]
    NoSource(String),
    #[error("the backup's path {0} is not valid UTF-8")]
    TargetPath(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("could not make the backup durable: {0}")]
    Sync(#[from] std::io::Error),
}

/// Copies the database at `source` (a path, `sqlite://PATH` or `sqlite:PATH`) into a new file at
/// `target`, and makes the copy durable before returning.
pub async fn backup(source: &str, target: &Path) -> Result<(), BackupError> {
    let shown = target.display().to_string();
    if target.exists() {
        return Err(BackupError::TargetExists(shown));
    }
    match database_file(source) {
        Some(file) if file.is_file() => {}
        _ => return Err(BackupError::NoSource(source.to_string())),
    }
    let into = target.to_str().ok_or(BackupError::TargetPath(shown))?;
    let mut connection = options(source)?
        .create_if_missing(false)
        .busy_timeout(BUSY_TIMEOUT)
        .connect()
        .await
        .map_err(from_sqlx)?;
    let copied = sqlx::query("VACUUM INTO ?")
        .bind(into)
        .execute(&mut connection)
        .await
        .map_err(from_sqlx);
    connection.close().await.map_err(from_sqlx)?;
    copied?;
    // SQLite does not sync the file VACUUM INTO writes.
    std::fs::File::open(target)?.sync_all()?;
    if let Some(directory) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(directory)?.sync_all()?;
    }
    Ok(())
}
