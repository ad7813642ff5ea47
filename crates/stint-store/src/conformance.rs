//! The conformance suite: what every [`Store`] adapter must do, one behaviour per function.
//!
//! Each function takes a fresh, empty store and panics if the store misbehaves. An adapter runs the
//! whole suite with one line in a test file, so that no test can be left out on one backend:
//!
//! ```ignore
//! stint_store::conformance_tests!(MyStore::open_fresh().await.expect("a fresh store"));
//! ```
//!
//! The expression is evaluated inside each generated `async` test, once per test; it gives a
//! [`Store`], or a [`Fixture`] that also keeps alive what the store needs (a temporary directory).
//! The test crate needs `tokio` with the `macros` and `rt-multi-thread` features.
//!
//! Beyond the trait's documentation, the suite fixes two things both adapters must agree on:
//! a second user with the same principal name, ignoring ASCII case, is refused with
//! `StoreError::Duplicate("userPrincipalName")`, and an audit event id is unique.

use std::any::Any;
use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use stint_core::audit::GENESIS_HASH;
use stint_core::audit::{first_broken_link, AuditEvent, AuditQuery, AuditRecord, Outcome};
use stint_core::auth::{AccessToken, TokenHash};
use stint_core::directory::{
    AdministrativeUnit, BuiltInRole, DirectoryScope, Group, GroupKind, GroupSource, PasswordHash,
    RoleAssignment, Tenant, User,
};
use stint_core::duration::IsoDuration;
use stint_core::ids::{
    AdministrativeUnitId, GroupId, PrincipalId, RequestId, RoleAssignmentId, ScheduleId, TenantId,
    UserId,
};
use stint_core::policy::{Policy, PolicySettings};
use stint_core::request::{
    Expiration, GroupAccess, RequestAction, RequestStatus, RequestedSchedule, ScheduleRequest,
    TicketInfo,
};
use stint_core::role_request::{RoleAtScope, RoleScheduleRequest};
use stint_core::schedule::{
    Access, AssignmentType, EndReason, Ended, MemberType, Schedule, ScheduleKind, Window,
};
use stint_core::scim::{ScimEmail, ScimKind, ScimName, ScimObject, ScimToken, ScimTokenId};
use stint_core::{Change, Decision, State};
use uuid::Uuid;

use crate::{CommittedChanges, Store, StoreError};

mod connectors;
mod group_commit;
mod outbox;

pub use connectors::{
    a_connector_is_driven_by_one_worker_at_a_time,
    connector_progress_is_written_by_the_lease_holder_only,
};

pub use group_commit::{
    commit_all_gives_each_decision_its_own_revision_and_chains_their_audit,
    commit_all_keeps_the_order_of_a_token_issued_and_revoked_in_one_batch,
    commit_all_of_a_large_batch_ends_as_its_decisions_one_by_one,
    commit_all_writes_nothing_when_one_decision_is_refused,
};

pub use outbox::{
    a_retried_outbox_message_waits_and_a_dead_one_can_be_redriven,
    an_outbox_message_is_held_by_one_worker_at_a_time, message,
    outbox_messages_are_committed_with_their_decision_or_not_at_all,
};

/// Expands to one `#[tokio::test]` per conformance function, each on a fresh store from `$fresh`.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr) => {
        $crate::conformance_tests!(@each $fresh;
            empty_store_loads_an_empty_state_at_revision_zero,
            commit_returns_the_next_revision_and_load_sees_the_changes,
            a_commit_without_changes_still_gets_a_revision,
            upsert_replaces_the_previous_version,
            token_revocation_deletes_the_token,
            m1_m2_scim_tokens_and_objects_are_kept_and_replaced,
            stale_expected_revision_is_a_conflict_and_writes_nothing,
            a_commit_without_expected_revision_is_never_a_conflict,
            concurrent_commits_on_the_same_revision_let_exactly_one_through,
            duplicate_user_principal_name_is_refused_by_the_store_case_insensitively,
            a_user_may_change_the_case_of_their_own_name,
            audit_events_are_chained_and_verify,
            audit_query_filters_by_group_principal_actor_action_person_and_time_newest_first,
            audit_paging_with_before_sequence_returns_older_events,
            changes_since_returns_each_commit_once_in_order,
            audit_events_are_written_with_their_change_or_not_at_all,
            a_write_lock_sees_the_latest_revision_and_the_commits_before_it,
            a_writer_that_comes_while_the_lock_is_held_commits_after_its_holder,
            a_dropped_write_lock_commits_nothing,
            commit_all_gives_each_decision_its_own_revision_and_chains_their_audit,
            commit_all_writes_nothing_when_one_decision_is_refused,
            commit_all_of_a_large_batch_ends_as_its_decisions_one_by_one,
            commit_all_keeps_the_order_of_a_token_issued_and_revoked_in_one_batch,
            outbox_messages_are_committed_with_their_decision_or_not_at_all,
            an_outbox_message_is_held_by_one_worker_at_a_time,
            a_retried_outbox_message_waits_and_a_dead_one_can_be_redriven,
            a_connector_is_driven_by_one_worker_at_a_time,
            connector_progress_is_written_by_the_lease_holder_only,
        );
    };
    (@each $fresh:expr; $($test:ident),+ $(,)?) => {
        $(
            #[::tokio::test]
            async fn $test() {
                let fixture = $crate::conformance::Fixture::from($fresh);
                $crate::conformance::$test(fixture.store()).await;
            }
        )+
    };
}

/// A store under test, with whatever must live as long as it. The store is dropped first.
pub struct Fixture {
    store: Box<dyn Store>,
    _guard: Box<dyn Any + Send>,
}

impl Fixture {
    /// A store and a guard (a temporary directory, a database to drop) that outlives it.
    pub fn with_guard(store: impl Store, guard: impl Any + Send) -> Fixture {
        Fixture {
            store: Box::new(store),
            _guard: Box::new(guard),
        }
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }
}

impl<S: Store> From<S> for Fixture {
    fn from(store: S) -> Fixture {
        Fixture::with_guard(store, ())
    }
}

impl fmt::Debug for Fixture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fixture")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

pub async fn empty_store_loads_an_empty_state_at_revision_zero(store: &dyn Store) {
    let state = load(store).await;
    assert_eq!(state.revision, 0);
    assert_eq!(state.tenant, None);
    assert!(state.users.is_empty() && state.groups.is_empty());
    assert!(state.administrative_units.is_empty() && state.role_assignments.is_empty());
    assert!(state.policies.is_empty() && state.schedules.is_empty());
    assert!(state.requests.is_empty() && state.tokens.is_empty());
    assert!(state.role_requests.is_empty());
    assert_eq!(revision(store).await, 0);
    assert!(changes(store, 0).await.is_empty());
    assert!(audit(store, AuditQuery::default()).await.is_empty());
    assert!(chain(store).await.is_empty());
}

pub async fn commit_returns_the_next_revision_and_load_sees_the_changes(store: &dyn Store) {
    let world = World::new();
    assert_eq!(commit(store, Some(0), world.decision(), at(1)).await, 1);

    let state = load(store).await;
    assert_eq!(state.revision, 1);
    assert_eq!(revision(store).await, 1);
    world.assert_loaded(&state);
    assert_eq!(state.schedules_of_group(world.group.id).count(), 1);
    assert_eq!(state.requests_of_principal(world.user.id.into()).count(), 1);

    let next = Decision::new().change(Change::Group(group("Second")));
    assert_eq!(commit(store, Some(1), next, at(2)).await, 2);
    assert_eq!(load(store).await.groups.len(), 2);
}

pub async fn a_commit_without_changes_still_gets_a_revision(store: &dyn Store) {
    assert_eq!(commit(store, Some(0), Decision::new(), at(1)).await, 1);
    assert_eq!(revision(store).await, 1);
    assert_eq!(load(store).await.revision, 1);
}

pub async fn upsert_replaces_the_previous_version(store: &dyn Store) {
    let world = World::new();
    commit(store, None, world.decision(), at(1)).await;

    let tenant = Tenant {
        role_assignable_group_limit: 10,
        ..tenant()
    };
    let user = User {
        display_name: "Alice Renamed".into(),
        account_enabled: false,
        ..world.user.clone()
    };
    let group = Group {
        deleted_at: Some(at(5)),
        ..world.group.clone()
    };
    let schedule = Schedule {
        ended: Some(Ended {
            at: at(5),
            reason: EndReason::Removed,
        }),
        ..world.schedule.clone()
    };
    let request = ScheduleRequest {
        status: RequestStatus::Provisioned,
        completed_at: Some(at(5)),
        ..world.request.clone()
    };
    let role_request = RoleScheduleRequest {
        status: RequestStatus::Revoked,
        completed_at: Some(at(5)),
        ..world.role_request.clone()
    };
    let policy = Policy {
        id: Uuid::new_v4(),
        settings: PolicySettings {
            activation_maximum: IsoDuration::hours(2),
            ..PolicySettings::default()
        },
        ..world.policy.clone()
    };
    let decision = Decision::new()
        .change(Change::Tenant(tenant.clone()))
        .change(Change::User(user.clone()))
        .change(Change::Group(group.clone()))
        .change(Change::Schedule(schedule.clone()))
        .change(Change::Request(request.clone()))
        .change(Change::RoleRequest(role_request.clone()))
        .change(Change::Policy(policy.clone()));
    commit(store, Some(1), decision, at(5)).await;

    let state = load(store).await;
    assert_eq!(state.tenant, Some(tenant));
    assert_eq!(values(&state.users), vec![user]);
    assert_eq!(values(&state.groups), vec![group]);
    assert_eq!(values(&state.schedules), vec![schedule]);
    assert_eq!(values(&state.requests), vec![request]);
    assert_eq!(values(&state.role_requests), vec![role_request]);
    assert_eq!(values(&state.policies), vec![policy]);
}

pub async fn token_revocation_deletes_the_token(store: &dyn Store) {
    let user = user("alice@contoso.com");
    let kept = token(user.id);
    let revoked = token(user.id);
    let issue = Decision::new()
        .change(Change::User(user))
        .change(Change::Token(kept.clone()))
        .change(Change::Token(revoked.clone()));
    commit(store, Some(0), issue, at(1)).await;

    let revoke = Decision::new()
        .change(Change::TokenRevoked(revoked.hash.clone()))
        .change(Change::TokenRevoked(TokenHash::of("never issued")));
    commit(store, Some(1), revoke, at(2)).await;

    assert_eq!(values(&load(store).await.tokens), vec![kept]);
}

/// M1, M2: provisioning tokens (by their hash only) and what SCIM keeps about the objects it
/// created survive a reload, and a later version (a revocation, a deletion) replaces the first.
pub async fn m1_m2_scim_tokens_and_objects_are_kept_and_replaced(store: &dyn Store) {
    let user = user("scim@contoso.com");
    let token = ScimToken {
        id: ScimTokenId(Uuid::new_v4()),
        display_name: "Entra ID".into(),
        hash: TokenHash::of("a provisioning secret"),
        created_at: at(1),
        created_by: user.id,
        revoked_at: None,
    };
    let object = ScimObject {
        id: user.id.0,
        kind: ScimKind::User,
        external_id: Some("e-42".into()),
        display_name: None,
        active: Some(true),
        name: ScimName {
            formatted: Some("Scim User".into()),
            given_name: Some("Scim".into()),
            family_name: None,
        },
        emails: vec![ScimEmail {
            value: "scim@contoso.com".into(),
            kind: Some("work".into()),
            primary: true,
        }],
        created_at: at(1),
        modified_at: at(1),
        version: 1,
        deleted_at: None,
    };
    let first = Decision::new()
        .change(Change::User(user))
        .change(Change::ScimToken(token.clone()))
        .change(Change::ScimObject(object.clone()));
    commit(store, Some(0), first, at(1)).await;
    let state = load(store).await;
    assert_eq!(values(&state.scim_tokens), vec![token.clone()]);
    assert_eq!(values(&state.scim_objects), vec![object.clone()]);

    let revoked = ScimToken {
        revoked_at: Some(at(2)),
        ..token
    };
    let deleted = ScimObject {
        version: 2,
        deleted_at: Some(at(2)),
        ..object
    };
    let second = Decision::new()
        .change(Change::ScimToken(revoked.clone()))
        .change(Change::ScimObject(deleted.clone()));
    commit(store, Some(1), second, at(2)).await;
    let state = load(store).await;
    assert_eq!(values(&state.scim_tokens), vec![revoked]);
    assert_eq!(values(&state.scim_objects), vec![deleted]);
}

pub async fn stale_expected_revision_is_a_conflict_and_writes_nothing(store: &dyn Store) {
    commit(store, Some(0), Decision::new(), at(1)).await;
    let decision = Decision::new()
        .change(Change::User(user("alice@contoso.com")))
        .audit(record("user.create", at(2)));

    for stale in [0, 2] {
        let refused = store.commit(Some(stale), &decision, at(2)).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict { expected, current: 1 }) if expected == stale),
            "expected a conflict, got {refused:?}"
        );
    }

    let state = load(store).await;
    assert_eq!(state.revision, 1);
    assert!(state.users.is_empty());
    assert!(chain(store).await.is_empty());
    assert_eq!(changes(store, 0).await.len(), 1);
}

pub async fn a_commit_without_expected_revision_is_never_a_conflict(store: &dyn Store) {
    commit(store, Some(0), Decision::new(), at(1)).await;
    let decision = Decision::new().change(Change::Group(group("Late")));
    assert_eq!(commit(store, None, decision, at(2)).await, 2);
}

pub async fn concurrent_commits_on_the_same_revision_let_exactly_one_through(store: &dyn Store) {
    let first = Decision::new().change(Change::Group(group("First")));
    let second = Decision::new().change(Change::Group(group("Second")));
    let (first, second) = futures::join!(
        store.commit(Some(0), &first, at(1)),
        store.commit(Some(0), &second, at(1)),
    );

    let outcomes = [first, second];
    let committed = outcomes.iter().filter(|outcome| matches!(outcome, Ok(1)));
    let refused = outcomes.iter().filter(|outcome| {
        matches!(
            outcome,
            Err(StoreError::Conflict {
                expected: 0,
                current: 1
            })
        )
    });
    assert_eq!((committed.count(), refused.count()), (1, 1), "{outcomes:?}");
    assert_eq!(load(store).await.groups.len(), 1);
}

pub async fn a_write_lock_sees_the_latest_revision_and_the_commits_before_it(store: &dyn Store) {
    for name in ["One", "Two", "Three"] {
        let decision = Decision::new().change(Change::Group(group(name)));
        commit(store, None, decision, at(1)).await;
    }
    let mut lock = store.lock_for_write().await.expect("the write lock");
    assert_eq!(lock.revision(), 3);
    let missed = lock.changes_since(1, 10).await.expect("the change log");
    let revisions: Vec<u64> = missed.iter().map(|commit| commit.revision).collect();
    assert_eq!(revisions, vec![2, 3]);

    let decision = Decision::new().change(Change::Group(group("Four")));
    assert_eq!(lock.commit(&decision, at(2)).await.expect("commits"), 4);
    assert_eq!(load(store).await.groups.len(), 4);
}

pub async fn a_writer_that_comes_while_the_lock_is_held_commits_after_its_holder(
    store: &dyn Store,
) {
    let lock = store.lock_for_write().await.expect("the write lock");
    let holder = async {
        // Let the other writer start and queue on the lock before the holder commits.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        let decision = Decision::new().change(Change::Group(group("Holder")));
        lock.commit(&decision, at(1)).await
    };
    let latecomer = Decision::new().change(Change::Group(group("Latecomer")));
    let (holder, latecomer) = futures::join!(holder, store.commit(None, &latecomer, at(1)));
    assert_eq!((holder.ok(), latecomer.ok()), (Some(1), Some(2)));
    let names: Vec<String> = changes(store, 0)
        .await
        .into_iter()
        .flat_map(|commit| commit.changes)
        .filter_map(|change| match change {
            Change::Group(group) => Some(group.display_name),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["Holder", "Latecomer"]);
}

pub async fn a_dropped_write_lock_commits_nothing(store: &dyn Store) {
    let lock = store.lock_for_write().await.expect("the write lock");
    drop(lock);
    assert_eq!(revision(store).await, 0);
    let decision = Decision::new().change(Change::Group(group("After")));
    assert_eq!(commit(store, None, decision, at(1)).await, 1);
}

pub async fn duplicate_user_principal_name_is_refused_by_the_store_case_insensitively(
    store: &dyn Store,
) {
    commit(store, Some(0), user_decision("alice@contoso.com"), at(1)).await;

    let again = user_decision("ALICE@Contoso.com").audit(record("user.create", at(2)));
    assert_duplicate_user(store.commit(Some(1), &again, at(2)).await);

    let twins = Decision::new()
        .change(Change::User(user("bob@contoso.com")))
        .change(Change::User(user("Bob@contoso.com")));
    assert_duplicate_user(store.commit(Some(1), &twins, at(2)).await);

    let state = load(store).await;
    assert_eq!(state.revision, 1);
    assert_eq!(state.users.len(), 1);
    assert!(chain(store).await.is_empty());
}

pub async fn a_user_may_change_the_case_of_their_own_name(store: &dyn Store) {
    let alice = user("alice@contoso.com");
    commit(
        store,
        None,
        Decision::new().change(Change::User(alice.clone())),
        at(1),
    )
    .await;
    let renamed = User {
        user_principal_name: "Alice@Contoso.com".into(),
        ..alice
    };
    commit(
        store,
        None,
        Decision::new().change(Change::User(renamed.clone())),
        at(2),
    )
    .await;
    assert_eq!(values(&load(store).await.users), vec![renamed]);
}

pub async fn audit_events_are_chained_and_verify(store: &dyn Store) {
    let records = [
        record("group.create", at(1)),
        record("policy.update", at(2)),
        record("schedule.assign", at(3)),
    ];
    let first = Decision::new()
        .audit(records[0].clone())
        .audit(records[1].clone());
    commit(store, None, first, at(1)).await;
    commit(store, None, Decision::new(), at(2)).await;
    commit(
        store,
        None,
        Decision::new().audit(records[2].clone()),
        at(3),
    )
    .await;

    let events = chain(store).await;
    assert_eq!(sequences(&events), vec![1, 2, 3]);
    assert_eq!(events[0].previous_hash, GENESIS_HASH);
    assert_eq!(first_broken_link(&events), None);
    let stored: Vec<AuditRecord> = events.into_iter().map(|event| event.record).collect();
    assert_eq!(stored, records);

    let after_first = store
        .audit_chain(1, 1)
        .await
        .expect("the audit chain reads");
    assert_eq!(sequences(&after_first), vec![2]);
    let after_last = store
        .audit_chain(3, 10)
        .await
        .expect("the audit chain reads");
    assert!(after_last.is_empty());
}

pub async fn audit_query_filters_by_group_principal_actor_action_person_and_time_newest_first(
    store: &dyn Store,
) {
    let [alice, bob, carol] = [
        UserId(Uuid::new_v4()),
        UserId(Uuid::new_v4()),
        UserId(Uuid::new_v4()),
    ];
    let [sales, ops] = [GroupId(Uuid::new_v4()), GroupId(Uuid::new_v4())];
    let events = [
        about(Some(alice), Some(sales), Some(bob.into()), at(10)),
        about(Some(bob), Some(sales), Some(alice.into()), at(20)),
        about(Some(alice), Some(ops), Some(carol.into()), at(30)),
        about(None, Some(ops), Some(bob.into()), at(40)),
        AuditRecord {
            action: "auth.signIn".into(),
            ..about(Some(carol), None, None, at(50))
        },
    ];
    let decision = events
        .iter()
        .cloned()
        .fold(Decision::new(), Decision::audit);
    commit(store, None, decision, at(50)).await;

    let everything = audit(store, AuditQuery::default()).await;
    assert_eq!(sequences(&everything), vec![5, 4, 3, 2, 1]);
    assert_eq!(everything[4].record, events[0]);

    let cases = [
        (query(|q| q.group_id = Some(sales)), vec![2, 1]),
        (query(|q| q.principal_id = Some(bob.into())), vec![4, 1]),
        (query(|q| q.actor = Some(alice)), vec![3, 1]),
        (query(|q| q.involving = Some(alice)), vec![3, 2, 1]),
        (query(|q| q.involving = Some(bob)), vec![4, 2, 1]),
        (query(|q| q.since = Some(at(20))), vec![5, 4, 3, 2]),
        (query(|q| q.until = Some(at(40))), vec![3, 2, 1]),
        (
            query(|q| {
                q.since = Some(at(20));
                q.until = Some(at(40));
            }),
            vec![3, 2],
        ),
        (
            query(|q| {
                q.group_id = Some(ops);
                q.actor = Some(alice);
            }),
            vec![3],
        ),
        (query(|q| q.limit = 2), vec![5, 4]),
        (query(|q| q.action = Some("auth.signIn".into())), vec![5]),
        (
            query(|q| q.action = Some("schedule.assign".into())),
            vec![4, 3, 2, 1],
        ),
        (
            query(|q| {
                q.involving = Some(alice);
                q.person = Some(bob);
            }),
            vec![2, 1],
        ),
        (
            query(|q| {
                q.person = Some(carol);
                q.action = Some("schedule.assign".into());
            }),
            vec![3],
        ),
    ];
    for (query, expected) in cases {
        let found = audit(store, query.clone()).await;
        assert_eq!(sequences(&found), expected, "{query:?}");
    }
}

pub async fn audit_paging_with_before_sequence_returns_older_events(store: &dyn Store) {
    for minute in 1..=5 {
        let decision = Decision::new().audit(record("group.update", at(minute)));
        commit(store, None, decision, at(minute)).await;
    }
    let page = |before_sequence| AuditQuery {
        before_sequence,
        limit: 2,
        ..AuditQuery::default()
    };
    assert_eq!(sequences(&audit(store, page(None)).await), vec![5, 4]);
    assert_eq!(sequences(&audit(store, page(Some(4))).await), vec![3, 2]);
    assert_eq!(sequences(&audit(store, page(Some(2))).await), vec![1]);
    assert!(audit(store, page(Some(1))).await.is_empty());
}

pub async fn changes_since_returns_each_commit_once_in_order(store: &dyn Store) {
    let alice = user("alice@contoso.com");
    let alice_token = token(alice.id);
    let commits = [
        vec![
            Change::User(alice.clone()),
            Change::Token(alice_token.clone()),
        ],
        vec![],
        vec![
            Change::Group(group("Sales")),
            Change::TokenRevoked(alice_token.hash),
        ],
    ];
    let mut expected = Vec::new();
    for (index, changes) in commits.into_iter().enumerate() {
        let minute = i64::try_from(index).expect("a small index") + 1;
        let decision = Decision {
            changes: changes.clone(),
            audit: vec![record("change", at(minute))],
            outbox: Vec::new(),
        };
        let revision = commit(store, None, decision, at(minute)).await;
        expected.push(CommittedChanges {
            revision,
            committed_at: at(minute),
            changes,
        });
    }

    assert_eq!(changes(store, 0).await, expected);
    let one = store
        .changes_since(1, 1)
        .await
        .expect("the change log reads");
    assert_eq!(one, expected[1..2]);
    assert!(changes(store, 3).await.is_empty());
}

pub async fn audit_events_are_written_with_their_change_or_not_at_all(store: &dyn Store) {
    let first = record("user.create", at(1));
    let decision = user_decision("alice@contoso.com").audit(first.clone());
    commit(store, Some(0), decision, at(1)).await;

    let duplicate_user = user_decision("Alice@contoso.com").audit(record("user.create", at(2)));
    assert!(store.commit(None, &duplicate_user, at(2)).await.is_err());
    let stale = Decision::new().audit(record("group.create", at(2)));
    assert!(store.commit(Some(0), &stale, at(2)).await.is_err());
    let reused_id = Decision::new()
        .change(Change::Group(group("Sales")))
        .audit(AuditRecord {
            action: "group.create".into(),
            ..first.clone()
        });
    let refused = store.commit(None, &reused_id, at(2)).await;
    assert!(
        matches!(refused, Err(StoreError::Duplicate(_))),
        "{refused:?}"
    );

    let state = load(store).await;
    assert_eq!(
        (state.revision, state.users.len(), state.groups.len()),
        (1, 1, 0)
    );
    let events = chain(store).await;
    assert_eq!(sequences(&events), vec![1]);
    assert_eq!(events[0].record, first);

    let next = Decision::new().audit(record("group.create", at(3)));
    commit(store, Some(1), next, at(3)).await;
    let events = chain(store).await;
    assert_eq!(sequences(&events), vec![1, 2]);
    assert_eq!(first_broken_link(&events), None);
}

// --- Calls that must succeed ---

async fn load(store: &dyn Store) -> State {
    store.load().await.expect("the state loads")
}

async fn revision(store: &dyn Store) -> u64 {
    store.revision().await.expect("the revision reads")
}

async fn commit(
    store: &dyn Store,
    expected: Option<u64>,
    decision: Decision,
    committed_at: DateTime<Utc>,
) -> u64 {
    store
        .commit(expected, &decision, committed_at)
        .await
        .expect("the commit succeeds")
}

async fn changes(store: &dyn Store, since: u64) -> Vec<CommittedChanges> {
    store
        .changes_since(since, 100)
        .await
        .expect("the change log reads")
}

async fn audit(store: &dyn Store, query: AuditQuery) -> Vec<AuditEvent> {
    store.audit(&query).await.expect("the audit log reads")
}

async fn chain(store: &dyn Store) -> Vec<AuditEvent> {
    store
        .audit_chain(0, 1000)
        .await
        .expect("the audit chain reads")
}

fn assert_duplicate_user(outcome: Result<u64, StoreError>) {
    assert!(
        matches!(&outcome, Err(StoreError::Duplicate(rule)) if rule == "userPrincipalName"),
        "expected a duplicate userPrincipalName, got {outcome:?}"
    );
}

fn sequences(events: &[AuditEvent]) -> Vec<u64> {
    events.iter().map(|event| event.sequence).collect()
}

fn values<K, V: Clone>(map: &std::collections::HashMap<K, V>) -> Vec<V> {
    map.values().cloned().collect()
}

fn query(build: impl FnOnce(&mut AuditQuery)) -> AuditQuery {
    let mut query = AuditQuery::default();
    build(&mut query);
    query
}

// --- Objects ---

/// Whole seconds, so that every backend stores them exactly.
fn at(minute: i64) -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::days(20_000) + TimeDelta::minutes(minute)
}

/// One object of every kind, related to each other as the application would relate them.
struct World {
    tenant: Tenant,
    user: User,
    group: Group,
    unit: AdministrativeUnit,
    assignment: RoleAssignment,
    policy: Policy,
    schedule: Schedule,
    request: ScheduleRequest,
    role_request: RoleScheduleRequest,
    token: AccessToken,
}

impl World {
    fn new() -> World {
        let user = user("alice@contoso.com");
        let group = group("Sales");
        let schedule = schedule(group.id, user.id.into());
        let unit = AdministrativeUnit {
            id: AdministrativeUnitId(Uuid::new_v4()),
            display_name: "Europe".into(),
            description: Some("Staff in Europe".into()),
            members: BTreeSet::from([user.id.0, group.id.0]),
            created_at: at(0),
        };
        let role_request = role_request(user.id);
        let mut assignment = role_assignment(user.id.into(), unit.id);
        assignment.created_using = Some(role_request.id);
        assignment.member_type = MemberType::Group;
        assignment.activated = true;
        World {
            tenant: tenant(),
            assignment,
            role_request,
            policy: policy(group.id, Access::Member),
            request: request(&schedule, user.id),
            token: token(user.id),
            user,
            group,
            unit,
            schedule,
        }
    }

    fn decision(&self) -> Decision {
        Decision::new()
            .change(Change::Tenant(self.tenant.clone()))
            .change(Change::User(self.user.clone()))
            .change(Change::Group(self.group.clone()))
            .change(Change::AdministrativeUnit(self.unit.clone()))
            .change(Change::RoleAssignment(self.assignment.clone()))
            .change(Change::Policy(self.policy.clone()))
            .change(Change::Schedule(self.schedule.clone()))
            .change(Change::Request(self.request.clone()))
            .change(Change::RoleRequest(self.role_request.clone()))
            .change(Change::Token(self.token.clone()))
    }

    fn assert_loaded(&self, state: &State) {
        assert_eq!(state.tenant.as_ref(), Some(&self.tenant));
        assert_eq!(values(&state.users), vec![self.user.clone()]);
        assert_eq!(values(&state.groups), vec![self.group.clone()]);
        assert_eq!(values(&state.administrative_units), vec![self.unit.clone()]);
        assert_eq!(
            values(&state.role_assignments),
            vec![self.assignment.clone()]
        );
        assert_eq!(values(&state.policies), vec![self.policy.clone()]);
        assert_eq!(values(&state.schedules), vec![self.schedule.clone()]);
        assert_eq!(values(&state.requests), vec![self.request.clone()]);
        assert_eq!(
            values(&state.role_requests),
            vec![self.role_request.clone()]
        );
        assert_eq!(values(&state.tokens), vec![self.token.clone()]);
    }
}

fn tenant() -> Tenant {
    Tenant {
        id: TenantId(Uuid::new_v4()),
        created_at: at(0),
        role_assignable_group_limit: 500,
    }
}

fn user(name: &str) -> User {
    User {
        id: UserId(Uuid::new_v4()),
        user_principal_name: name.into(),
        display_name: name.split('@').next().unwrap_or(name).into(),
        account_enabled: true,
        password_hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        created_at: at(0),
        authenticator: None,
        recent_failed_codes: Vec::new(),
        identities: Vec::new(),
        time_zone: None,
        mail: None,
    }
}

fn user_decision(name: &str) -> Decision {
    Decision::new().change(Change::User(user(name)))
}

fn group(name: &str) -> Group {
    Group {
        id: GroupId(Uuid::new_v4()),
        display_name: name.into(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: true,
        membership_rule: None,
        source: GroupSource::Cloud,
        created_at: at(0),
        managed_since: Some(at(0)),
        deleted_at: None,
    }
}

fn role_assignment(principal: PrincipalId, unit: AdministrativeUnitId) -> RoleAssignment {
    RoleAssignment {
        id: RoleAssignmentId(Uuid::new_v4()),
        principal_id: principal,
        role: BuiltInRole::UserAdministrator,
        scope: DirectoryScope::AdministrativeUnit(unit),
        eligible: false,
        window: Window::permanent_from(at(0)),
        created_at: at(0),
        removed_at: None,
        created_using: None,
        member_type: MemberType::Direct,
        activated: false,
    }
}

fn policy(group: GroupId, access: Access) -> Policy {
    Policy {
        id: Uuid::new_v4(),
        group_id: group,
        access,
        settings: PolicySettings::default(),
        modified_at: None,
        modified_by: None,
    }
}

fn schedule(group: GroupId, principal: PrincipalId) -> Schedule {
    Schedule {
        id: ScheduleId {
            group,
            access: Access::Member,
            origin: Uuid::new_v4(),
        },
        kind: ScheduleKind::Eligible,
        principal_id: principal,
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window: Window {
            start: at(0),
            end: Some(at(60 * 24)),
        },
        created_using: None,
        created_at: at(0),
        modified_at: at(0),
        ended: None,
        reminders_sent: 0,
    }
}

fn request(schedule: &Schedule, principal: UserId) -> ScheduleRequest {
    ScheduleRequest {
        id: RequestId(Uuid::new_v4()),
        kind: ScheduleKind::Active,
        action: RequestAction::SelfActivate,
        target: GroupAccess {
            group_id: schedule.group_id(),
            access: schedule.access(),
        },
        principal_id: principal.into(),
        status: RequestStatus::PendingApproval,
        created_at: at(1),
        completed_at: None,
        created_by: principal,
        justification: Some("Quarterly close".into()),
        ticket: Some(TicketInfo {
            number: Some("CHG-1".into()),
            system: Some("ServiceNow".into()),
        }),
        schedule: Some(RequestedSchedule {
            start: Some(at(1)),
            expiration: Expiration::AfterDuration(IsoDuration::hours(8)),
        }),
        resolved_start: Some(at(1)),
        target_schedule_id: Some(schedule.id),
        is_validation_only: false,
        activated_using: None,
        approval: None,
    }
}

fn role_request(principal: UserId) -> RoleScheduleRequest {
    RoleScheduleRequest {
        id: RequestId(Uuid::new_v4()),
        kind: ScheduleKind::Active,
        action: RequestAction::SelfActivate,
        principal_id: principal.into(),
        target: RoleAtScope {
            role: BuiltInRole::ExchangeAdministrator,
            scope: DirectoryScope::Directory,
        },
        status: RequestStatus::Provisioned,
        created_at: at(2),
        completed_at: Some(at(2)),
        created_by: principal,
        justification: Some("Mailbox migration".into()),
        ticket: None,
        schedule: Some(RequestedSchedule {
            start: None,
            expiration: Expiration::AfterDuration(IsoDuration::hours(4)),
        }),
        resolved_start: Some(at(2)),
        target_schedule_id: Some(RoleAssignmentId(Uuid::new_v4())),
        is_validation_only: false,
        activated_using: None,
        approval: None,
    }
}

fn token(user: UserId) -> AccessToken {
    AccessToken {
        hash: TokenHash::of(&Uuid::new_v4().to_string()),
        user_id: user,
        issued_at: at(0),
        expires_at: at(60),
        mfa_at: Some(at(1)),
    }
}

fn record(action: &str, at: DateTime<Utc>) -> AuditRecord {
    AuditRecord {
        id: Uuid::new_v4(),
        at,
        actor: None,
        action: action.into(),
        outcome: Outcome::Success,
        target_type: "group".into(),
        target_id: Uuid::new_v4().to_string(),
        group_id: None,
        principal_id: None,
        justification: Some("Because".into()),
        ticket: None,
        correlation_id: Some("req-1".into()),
        client: Some("127.0.0.1".into()),
        message: format!("Someone did {action}."),
    }
}

fn about(
    actor: Option<UserId>,
    group: Option<GroupId>,
    principal: Option<PrincipalId>,
    at: DateTime<Utc>,
) -> AuditRecord {
    AuditRecord {
        actor,
        group_id: group,
        principal_id: principal,
        ..record("schedule.assign", at)
    }
}
