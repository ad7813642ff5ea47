//! Which processes have a database file open for writing, beside SQLite's own locks: every
//! `stint serve` holds a shared advisory lock on `PATH.lock` for as long as it runs, and
//! `stint recover-admin` needs it exclusively, so neither starts while the other runs.
//!
//! The lock is on a file of its own, never on the database: closing any descriptor of the
//! database would drop the POSIX locks SQLite holds on it in this process.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use fs4::{FileExt, TryLockError};

use crate::connect;

/// A held lock on a database file; released when dropped (or when the process ends, however).
#[derive(Debug)]
pub struct ProcessLock {
    _file: File,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum ProcessLockError {
    /// Another process holds the lock in a way that excludes this one.
    #[error("another process holds {0}")]
    Held(PathBuf),
    #[error("cannot lock {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ProcessLock {
    /// Held by each server on the database; refused while an exclusive holder runs. `None` for an
    /// in-memory database, which no other process can reach.
    pub fn shared(url_or_path: &str) -> Result<Option<ProcessLock>, ProcessLockError> {
        ProcessLock::take(url_or_path, <File as FileExt>::try_lock_shared)
    }

    /// Held by a process that must be the database's only writer; refused while any server runs.
    pub fn exclusive(url_or_path: &str) -> Result<Option<ProcessLock>, ProcessLockError> {
        ProcessLock::take(url_or_path, <File as FileExt>::try_lock)
    }

    /// The lock file of a database: its path with `.lock` added.
    pub fn path_of(url_or_path: &str) -> Option<PathBuf> {
        let mut path = connect::database_file(url_or_path)?.into_os_string();
        path.push(".lock");
        Some(PathBuf::from(path))
    }

    fn take(
        url_or_path: &str,
        lock: impl FnOnce(&File) -> Result<(), TryLockError>,
    ) -> Result<Option<ProcessLock>, ProcessLockError> {
        let Some(path) = ProcessLock::path_of(url_or_path) else {
            return Ok(None);
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|error| ProcessLockError::Io {
                path: path.clone(),
                error,
            })?;
        match lock(&file) {
            Ok(()) => Ok(Some(ProcessLock { _file: file })),
            Err(TryLockError::WouldBlock) => Err(ProcessLockError::Held(path)),
            Err(TryLockError::Error(error)) => Err(ProcessLockError::Io { path, error }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_share_the_lock_and_exclude_an_exclusive_holder() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("stint.db");
        let database = database.to_str().unwrap();
        let first = ProcessLock::shared(database).unwrap();
        let second = ProcessLock::shared(&format!("sqlite://{database}")).unwrap();
        assert!(first.is_some() && second.is_some());
        assert!(matches!(
            ProcessLock::exclusive(database),
            Err(ProcessLockError::Held(_))
        ));
        drop((first, second));
        let exclusive = ProcessLock::exclusive(database).unwrap();
        assert!(matches!(
            ProcessLock::shared(database),
            Err(ProcessLockError::Held(_))
        ));
        drop(exclusive);
        assert!(ProcessLock::shared(database).unwrap().is_some());
    }

    #[test]
    fn an_in_memory_database_has_no_lock_file() {
        assert!(ProcessLock::path_of("sqlite::memory:").is_none());
        assert!(ProcessLock::exclusive("sqlite::memory:").unwrap().is_none());
    }
}
