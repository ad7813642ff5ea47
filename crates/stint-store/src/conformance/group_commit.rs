//! Group commit's part of the conformance suite (ADR 0017): several decisions committed under one
//! write lock in one transaction, each as its own revision with its audit events chained, or none
//! of them.

use stint_core::audit::first_broken_link;
use stint_core::directory::{Group, Tenant};
use stint_core::{Change, Decision};

use super::outbox::message;
use super::{
    at, chain, changes, group, load, record, revision, sequences, tenant, token, user,
    user_decision, values,
};
use crate::outbox::OutboxQuery;
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

/// A batch larger than a multi-row statement, in which some rows change more than once: the store
/// ends as if the decisions had been committed one by one.
pub async fn commit_all_of_a_large_batch_ends_as_its_decisions_one_by_one(store: &dyn Store) {
    let renamed = group("Renamed 0");
    let mut decisions = Vec::new();
    for number in 0..150 {
        let mut decision = Decision::new()
            .change(Change::Group(group(&format!("Group {number}"))))
            .audit(record("group.create", at(1)));
        if number % 3 == 0 {
            decision = decision.audit(record("policy.update", at(1)));
        }
        if number % 50 == 7 {
            let renamed = Group {
                display_name: format!("Renamed {number}"),
                ..renamed.clone()
            };
            let tenant = Tenant {
                role_assignable_group_limit: number,
                ..tenant()
            };
            decision = decision
                .change(Change::Group(renamed))
                .change(Change::Tenant(tenant));
        }
        if number % 10 == 0 {
            decision
                .outbox
                .push(message(&format!("user{number}@contoso.com")));
        }
        decisions.push(decision);
    }
    let batch: Vec<_> = decisions.iter().map(|decision| (decision, at(1))).collect();
    let lock = store.lock_for_write().await.expect("the write lock");
    let revisions = lock.commit_all(&batch).await.expect("the batch commits");
    assert_eq!(revisions, (1..=150).collect::<Vec<u64>>());

    let mut logged: Vec<usize> = Vec::new();
    for page_after in [0, 100] {
        let page = changes(store, page_after).await;
        logged.extend(page.iter().map(|commit| commit.changes.len()));
    }
    let expected: Vec<usize> = (0..150).map(|n| if n % 50 == 7 { 3 } else { 1 }).collect();
    assert_eq!(logged, expected);
    let events = chain(store).await;
    assert_eq!(sequences(&events), (1..=200).collect::<Vec<u64>>());
    assert_eq!(first_broken_link(&events), None);
    let state = load(store).await;
    assert_eq!((state.revision, state.groups.len()), (150, 151));
    assert_eq!(state.groups[&renamed.id].display_name, "Renamed 107");
    assert_eq!(
        state.tenant.map(|t| t.role_assignable_group_limit),
        Some(107)
    );
    let outbox = store
        .outbox(&OutboxQuery::default())
        .await
        .expect("the outbox reads");
    assert_eq!(outbox.len(), 15);
}

/// A token issued, revoked and another issued in one batch: the revoked one is gone.
pub async fn commit_all_keeps_the_order_of_a_token_issued_and_revoked_in_one_batch(
    store: &dyn Store,
) {
    let user = user("alice@contoso.com");
    let (revoked, kept) = (token(user.id), token(user.id));
    let decisions = [
        Decision::new()
            .change(Change::User(user))
            .change(Change::Token(revoked.clone())),
        Decision::new().change(Change::TokenRevoked(revoked.hash.clone())),
        Decision::new().change(Change::Token(kept.clone())),
    ];
    let batch: Vec<_> = decisions.iter().map(|decision| (decision, at(1))).collect();
    let lock = store.lock_for_write().await.expect("the write lock");
    lock.commit_all(&batch).await.expect("the batch commits");

    assert_eq!(values(&load(store).await.tokens), vec![kept]);
}
