//! The store conformance suite on a database file and in memory, and what only SQLite has to show:
//! durability settings, reopening, schema versions and writers in two processes.

use sqlx::{Connection, SqliteConnection};
use stint_core::audit::first_broken_link;
use stint_store::conformance::Fixture;
use stint_store::samples::{at, new_group, race};
use stint_store::{Store, StoreError};
use stint_store_sqlite::{SqliteStore, SCHEMA_VERSION};
use tempfile::TempDir;

mod on_a_file {
    stint_store::conformance_tests!(super::file_fixture().await);
}

mod in_memory {
    stint_store::conformance_tests!(stint_store_sqlite::SqliteStore::open("sqlite::memory:")
        .await
        .expect("an in-memory database opens"));
}

async fn file_fixture() -> Fixture {
    let (directory, path) = temporary_database();
    let store = SqliteStore::open(&path)
        .await
        .expect("a new database opens");
    Fixture::with_guard(store, directory)
}

fn temporary_database() -> (TempDir, String) {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("stint.db");
    (directory, path.to_string_lossy().into_owned())
}

#[tokio::test]
async fn reopening_the_file_keeps_everything() {
    let (_directory, path) = temporary_database();
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .commit(Some(0), &new_group("Sales"), at(1))
        .await
        .unwrap();
    let before = store.load().await.unwrap();
    drop(store);

    let reopened = SqliteStore::open(&format!("sqlite://{path}"))
        .await
        .unwrap();
    let after = reopened.load().await.unwrap();
    assert_eq!(after.revision, 1);
    assert_eq!(after.groups, before.groups);
    assert_eq!(reopened.changes_since(0, 10).await.unwrap().len(), 1);
}

#[tokio::test]
async fn every_url_form_opens_the_same_file() {
    let (_directory, path) = temporary_database();
    let store = SqliteStore::open(&path).await.unwrap();
    store
        .commit(None, &new_group("Sales"), at(1))
        .await
        .unwrap();
    drop(store);
    for url in [format!("sqlite://{path}"), format!("sqlite:{path}")] {
        let store = SqliteStore::open(&url).await.unwrap();
        assert_eq!(store.revision().await.unwrap(), 1, "{url}");
    }
}

#[tokio::test]
async fn a_file_runs_with_wal_full_sync_foreign_keys_a_busy_timeout_and_checkpoints_beside_writes()
{
    let (_directory, path) = temporary_database();
    let settings = SqliteStore::open(&path)
        .await
        .unwrap()
        .settings()
        .await
        .unwrap();
    assert_eq!(settings.journal_mode, "wal");
    assert_eq!(settings.synchronous, 2, "FULL");
    assert!(settings.foreign_keys);
    assert_eq!(settings.busy_timeout_ms, 5000);
    // The store's own task checkpoints; a writer does only when it falls 64 MiB behind.
    assert_eq!(settings.wal_autocheckpoint_pages, 16_384);
}

/// The store's checkpoints run beside the writes, so the WAL may hold recent commits; a closed
/// store has copied them into the file, which a plain copy then carries whole.
#[tokio::test]
async fn a_closed_store_leaves_every_commit_in_the_file_itself() {
    let (directory, path) = temporary_database();
    let store = SqliteStore::open(&path).await.unwrap();
    for minute in 1..=20 {
        let group = new_group(&format!("Group {minute}"));
        store.commit(None, &group, at(minute)).await.unwrap();
    }
    store.close().await.unwrap();

    let copy = directory.path().join("copy.db");
    std::fs::copy(&path, &copy).unwrap();
    let copied = SqliteStore::open(copy.to_str().unwrap()).await.unwrap();
    assert_eq!(copied.revision().await.unwrap(), 20);
}

#[tokio::test]
async fn a_database_from_a_newer_stint_is_refused() {
    let (_directory, path) = temporary_database();
    drop(SqliteStore::open(&path).await.unwrap());
    let mut connection = SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    sqlx::query("UPDATE schema_version SET version = ?")
        .bind(SCHEMA_VERSION + 1)
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();

    let refused = SqliteStore::open(&path).await;
    assert!(
        matches!(refused, Err(StoreError::SchemaTooNew { found, supported })
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{refused:?}"
    );
}

/// Several processes starting on a new file at once: all open it (the switch to WAL, which SQLite's
/// busy timeout does not wait for, is retried), and it is migrated once.
#[tokio::test]
async fn opening_at_once_migrates_once() {
    let (_directory, path) = temporary_database();
    let openings = (0..8).map(|_| SqliteStore::open(&path));
    for opened in futures::future::join_all(openings).await {
        opened.unwrap();
    }
    let again = SqliteStore::open(&path).await.unwrap();
    assert_eq!(again.revision().await.unwrap(), 0);
}

#[tokio::test]
async fn concurrent_commits_on_one_store_let_exactly_one_through() {
    let (_directory, path) = temporary_database();
    let store = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    let outcomes = race(store.clone(), store.clone()).await;
    assert_one_committed_one_conflicted(&outcomes);
    assert_eq!(store.load().await.unwrap().groups.len(), 1);
}

/// Two stores on one file stand for two processes: only `BEGIN IMMEDIATE` keeps them apart.
#[tokio::test]
async fn concurrent_commits_from_two_processes_let_exactly_one_through() {
    let (_directory, path) = temporary_database();
    let one = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    let other = std::sync::Arc::new(SqliteStore::open(&path).await.unwrap());
    for round in 0..20 {
        let outcomes = race(one.clone(), other.clone()).await;
        assert_one_committed_one_conflicted(&outcomes);
        assert_eq!(other.revision().await.unwrap(), round + 1);
    }
    let state = one.load().await.unwrap();
    assert_eq!((state.revision, state.groups.len()), (20, 20));
    assert_eq!(
        first_broken_link(&one.audit_chain(0, 100).await.unwrap()),
        None
    );
}

fn assert_one_committed_one_conflicted(outcomes: &[Result<u64, StoreError>]) {
    let committed = outcomes.iter().filter(|o| o.is_ok()).count();
    let conflicts = outcomes
        .iter()
        .filter(|o| matches!(o, Err(StoreError::Conflict { .. })))
        .count();
    assert_eq!((committed, conflicts), (1, 1), "{outcomes:?}");
}
