//! Group commit's part of the conformance suite (ADR 0017): several decisions committed under one
//! write lock in one transaction, each as its own revision with its audit events chained, or none
//! of them.

use stint_core::audit::first_broken_link;
use stint_core::{Change, Decision};

use super::{at, chain, changes, group, load, record, revision, sequences, user_decision};
use crate::{Store, StoreError};

pub async fn commit_all_gives_each_decision_its_own_revision_and_chains_their_audit(
    store: &dyn Store,
) {
    let decisions = [
        Decision::new()
            .change(Change::Group(group("One")))
            .audit(record("group.create", at(1))),
        Decision::new(),
        Decision::new()
            .change(Change::Group(group("Two")))
            .audit(record("group.create", at(1)))
            .audit(record("policy.update", at(1))),
    ];
    let batch: Vec<_> = decisions.iter().map(|decision| (decision, at(1))).collect();
    let lock = store.lock_for_write().await.expect("the write lock");
    let revisions = lock.commit_all(&batch).await.expect("the batch commits");
    assert_eq!(revisions, vec![1, 2, 3]);

    let logged: Vec<(u64, usize)> = (changes(store, 0).await.iter())
        .map(|commit| (commit.revision, commit.changes.len()))
        .collect();
    assert_eq!(logged, vec![(1, 1), (2, 0), (3, 1)]);
    let events = chain(store).await;
    assert_eq!(sequences(&events), vec![1, 2, 3]);
    assert_eq!(first_broken_link(&events), None);
    let state = load(store).await;
    assert_eq!((state.revision, state.groups.len()), (3, 2));
}

pub async fn commit_all_writes_nothing_when_one_decision_is_refused(store: &dyn Store) {
    let decisions = [
        user_decision("alice@contoso.com").audit(record("user.create", at(1))),
        user_decision("ALICE@contoso.com").audit(record("user.create", at(1))),
    ];
    let batch: Vec<_> = decisions.iter().map(|decision| (decision, at(1))).collect();
    let lock = store.lock_for_write().await.expect("the write lock");
    let refused = lock.commit_all(&batch).await;
    assert!(
        matches!(&refused, Err(StoreError::Duplicate(rule)) if rule == "userPrincipalName"),
        "expected a duplicate userPrincipalName, got {refused:?}"
    );
    assert_eq!(revision(store).await, 0);
    assert!(load(store).await.users.is_empty());
    assert!(chain(store).await.is_empty());
}
