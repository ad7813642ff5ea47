//! The store conformance suite on PostgreSQL, and what only a shared server has to show:
//! reopening, schema versions, concurrent migrations, writers on two nodes, one-snapshot loads
//! and exact round trips.
//!
//! Every test runs on its own fresh database, created on the server of `STINT_TEST_POSTGRES_URL`
//! and dropped (with `FORCE`) when the test ends, even if it fails. Where the variable is unset,
//! each test prints one `SKIPPED` line past the output capture and passes; CI sets it.

use std::sync::Arc;

use sqlx::Connection as _;

use stint_core::audit::{first_broken_link, AuditRecord};
use stint_core::directory::Group;
use stint_core::{Change, Decision};
use stint_store::conformance::Fixture;
use stint_store::samples::{at, audit_record, group, new_group, race};
use stint_store::{Store, StoreError};
use stint_store_postgres::testing::TestDatabase;
use stint_store_postgres::{PostgresStore, SCHEMA_VERSION};

mod suite {
    stint_store::conformance_tests!(match super::fresh_fixture().await {
        Some(fixture) => fixture,
        None => return,
    });
}

/// A fresh store on a fresh database that is dropped after the store, or `None` (after saying
/// so) where no server is configured.
async fn fresh_fixture() -> Option<Fixture> {
    let database = TestDatabase::create().await?;
    let store = database.open().await;
    Some(Fixture::with_guard(store, database))
}

#[tokio::test]
async fn reopening_the_database_keeps_everything() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = database.open().await;
    let decision = new_group("Sales").audit(audit_record("group.create"));
    store.commit(Some(0), &decision, at(1)).await.unwrap();
    let before = store.load().await.unwrap();
    store.close().await;
    drop(store);

    let reopened = database.open().await;
    let after = reopened.load().await.unwrap();
    assert_eq!(after.revision, 1);
    assert_eq!(after.groups, before.groups);
    assert_eq!(reopened.changes_since(0, 10).await.unwrap().len(), 1);
    let chain = reopened.audit_chain(0, 10).await.unwrap();
    assert_eq!(chain.len(), 1);
    assert_eq!(first_broken_link(&chain), None);
}

#[tokio::test]
async fn a_database_from_a_newer_stint_is_refused() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    database.open().await.close().await;
    let mut connection = database.connect().await;
    sqlx::query("UPDATE schema_version SET version = $1")
        .bind(SCHEMA_VERSION + 1)
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();

    let refused = PostgresStore::open(database.url()).await;
    assert!(
        matches!(refused, Err(StoreError::SchemaTooNew { found, supported })
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{refused:?}"
    );
}

#[tokio::test]
async fn nodes_opening_a_new_database_at_once_migrate_it_once() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let opened =
        futures::future::join_all((0..4).map(|_| PostgresStore::open(database.url()))).await;
    for store in &opened {
        let store = store.as_ref().expect("every node opens the database");
        assert_eq!(store.revision().await.unwrap(), 0);
    }
    let mut connection = database.connect().await;
    let version: i64 = sqlx::query_scalar("SELECT version FROM schema_version")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let revision_rows: i64 = sqlx::query_scalar("SELECT count(*) FROM revision")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(revision_rows, 1, "the migration ran once");
}

/// Two stores on one database stand for two nodes: only the database keeps them apart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_commits_from_two_nodes_let_exactly_one_through() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let one = Arc::new(database.open().await);
    let other = Arc::new(database.open().await);
    for round in 0..20 {
        let outcomes = race(one.clone(), other.clone()).await;
        let committed = outcomes.iter().filter(|o| o.is_ok()).count();
        let conflicts = outcomes
            .iter()
            .filter(|o| {
                matches!(o, Err(StoreError::Conflict { expected, current })
                    if *expected == round && *current == round + 1)
            })
            .count();
        assert_eq!(
            (committed, conflicts),
            (1, 1),
            "round {round}: {outcomes:?}"
        );
        assert_eq!(other.revision().await.unwrap(), round + 1);
    }
    let state = one.load().await.unwrap();
    assert_eq!((state.revision, state.groups.len()), (20, 20));
    let chain = other.audit_chain(0, 100).await.unwrap();
    assert_eq!(chain.len(), 20);
    assert_eq!(first_broken_link(&chain), None);
    assert_eq!(one.changes_since(0, 100).await.unwrap().len(), 20);
}

/// Writers that do not expect a revision all commit, one after the other, and the audit chain
/// they build together has no fork and no gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_unconditional_writers_on_two_nodes_all_commit_in_one_chain() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let nodes = [
        Arc::new(database.open().await),
        Arc::new(database.open().await),
    ];
    let writers: Vec<_> = (0..16)
        .map(|writer| {
            let store = nodes[writer % 2].clone();
            tokio::spawn(async move {
                let decision = new_group("Concurrent")
                    .audit(audit_record("group.create"))
                    .audit(audit_record("group.update"));
                store.commit(None, &decision, at(1)).await
            })
        })
        .collect();
    let mut revisions = Vec::new();
    for writer in writers {
        revisions.push(
            writer
                .await
                .unwrap()
                .expect("an unconditional commit succeeds"),
        );
    }
    revisions.sort_unstable();
    assert_eq!(revisions, (1..=16).collect::<Vec<u64>>());

    let chain = nodes[0].audit_chain(0, 100).await.unwrap();
    let sequences: Vec<u64> = chain.iter().map(|event| event.sequence).collect();
    assert_eq!(sequences, (1..=32).collect::<Vec<u64>>());
    assert_eq!(first_broken_link(&chain), None);
}

/// Each commit adds one group, so a load that mixed two snapshots would see a group count that
/// differs from its revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_during_writes_is_one_snapshot() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let writer_store = Arc::new(database.open().await);
    let reader = database.open().await;
    let writer = tokio::spawn({
        let store = writer_store.clone();
        async move {
            for _ in 0..60 {
                store
                    .commit(None, &new_group("Snapshot"), at(1))
                    .await
                    .expect("the commit succeeds");
            }
        }
    });
    let mut loads = 0;
    while !writer.is_finished() {
        let state = reader.load().await.unwrap();
        assert_eq!(state.groups.len() as u64, state.revision, "load {loads}");
        loads += 1;
    }
    writer.await.unwrap();
    let state = reader.load().await.unwrap();
    assert_eq!((state.revision, state.groups.len()), (60, 60));
}

/// The documents are JSON text kept as written: nanoseconds and a NUL character (which `jsonb`
/// would refuse) come back exactly.
#[tokio::test]
async fn objects_round_trip_exactly_with_nanoseconds_and_nul_characters() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let store = database.open().await;
    let precise = at(1) + chrono::TimeDelta::nanoseconds(123_456_789);
    let odd = Group {
        display_name: "Nul \u{0} and emoji \u{1F600} and quote \"".into(),
        description: Some("line\nbreak\ttab \\ backslash".into()),
        created_at: precise,
        ..group("Odd")
    };
    let record = AuditRecord {
        at: precise,
        justification: Some("\u{0}".into()),
        ..audit_record("group.create")
    };
    let decision = Decision::new()
        .change(Change::Group(odd.clone()))
        .audit(record.clone());
    store.commit(Some(0), &decision, precise).await.unwrap();

    let state = store.load().await.unwrap();
    assert_eq!(state.groups.get(&odd.id), Some(&odd));
    let changes = store.changes_since(0, 10).await.unwrap();
    assert_eq!(changes[0].committed_at, precise);
    assert_eq!(changes[0].changes, vec![Change::Group(odd)]);
    let chain = store.audit_chain(0, 10).await.unwrap();
    assert_eq!(chain[0].record, record);
    assert_eq!(first_broken_link(&chain), None);

    // The sub-second part counts in time filters: the event is after `at(1)` but not after itself.
    let since = |since| stint_core::audit::AuditQuery {
        since: Some(since),
        ..Default::default()
    };
    assert_eq!(store.audit(&since(at(1))).await.unwrap().len(), 1);
    let later = precise + chrono::TimeDelta::nanoseconds(1);
    assert!(store.audit(&since(later)).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_url_that_is_not_postgres_is_refused_without_a_panic() {
    for url in ["sqlite://stint.db", "stint.db", "postgres://[::1"] {
        let refused = PostgresStore::open(url).await;
        assert!(matches!(refused, Err(StoreError::Backend(_))), "{url}");
    }
}

/// X2: a node waiting for changes hears another node's commit at once (`LISTEN/NOTIFY`), not at
/// the end of its timeout; without a commit it waits the timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn x2_a_waiting_node_hears_another_nodes_commit_at_once() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let listening = Arc::new(database.open().await);
    let writing = database.open().await;
    let timeout = std::time::Duration::from_secs(10);
    // The first wait opens the listening connection; nothing is committed, so it times out.
    let quiet = std::time::Instant::now();
    listening
        .wait_for_change(std::time::Duration::from_millis(200))
        .await
        .unwrap();
    assert!(quiet.elapsed() >= std::time::Duration::from_millis(190));

    for round in 0..5 {
        let waiter = tokio::spawn({
            let listening = listening.clone();
            async move {
                let started = std::time::Instant::now();
                listening.wait_for_change(timeout).await.unwrap();
                started.elapsed()
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        writing
            .commit(None, &new_group("Heard"), at(1))
            .await
            .unwrap();
        let waited = waiter.await.unwrap();
        assert!(
            waited < std::time::Duration::from_secs(2),
            "round {round}: heard only after {waited:?}"
        );
    }
    // A closed store lets go of its listening connection and says so instead of waiting.
    listening.close().await;
    assert!(listening.wait_for_change(timeout).await.is_err());
}
