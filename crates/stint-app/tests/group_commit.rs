//! Group commit (ADR 0017): writes that arrive together are decided in turn and committed in one
//! transaction, each at its own revision, answered once durable and applied.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use stint_app::{App, AppConfig, AppError, CallMeta, Session};
use stint_core::audit::{first_broken_link, Outcome};
use stint_core::directory::{GroupKind, GroupSource};
use stint_core::rules::directory::NewGroup;
use stint_store::Store;

use common::Keep;

const WRITERS: usize = 32;

/// A bootstrapped app that allows one role-assignable group, with group commit on or off; its
/// admin's session; the store; what must outlive them.
async fn app(group_commit: bool) -> (Arc<App>, Session, Arc<dyn Store>, Keep) {
    let config = AppConfig {
        role_assignable_group_limit: 1,
        group_commit,
        ..AppConfig::default()
    };
    let (app, store, keep) = common::bootstrapped(config).await;
    let session = common::admin_session(&app).await;
    (Arc::new(app), session, store, keep)
}

fn group(name: &str, role_assignable: bool) -> NewGroup {
    NewGroup {
        display_name: name.into(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: role_assignable,
        membership_rule: None,
        source: GroupSource::Cloud,
    }
}

/// Creates the groups all at once; answers each outcome with whether the writer's node showed
/// its group as soon as it was answered.
async fn create_at_once(
    app: &Arc<App>,
    session: &Session,
    groups: Vec<NewGroup>,
) -> Vec<Result<(u64, bool), AppError>> {
    let writers: Vec<_> = (groups.into_iter())
        .map(|input| {
            let (app, session) = (app.clone(), session.clone());
            tokio::spawn(async move {
                let meta = CallMeta::default();
                let created = app.create_group(&session, &meta, input).await?;
                let id = created.value.id;
                let seen = app.inspect_state(|state| state.groups.contains_key(&id));
                Ok((created.revision, seen))
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for writer in writers {
        outcomes.push(writer.await.unwrap());
    }
    outcomes
}

/// The revisions in the store's change log are 1, 2, … with no gap, and the audit chain verifies.
async fn assert_log_contiguous_and_chain_intact(store: &Arc<dyn Store>) {
    let log = store.changes_since(0, 10_000).await.unwrap();
    let revisions: Vec<u64> = log.iter().map(|commit| commit.revision).collect();
    let expected: Vec<u64> = (1..=revisions.len() as u64).collect();
    assert_eq!(revisions, expected);
    let chain = store.audit_chain(0, 10_000).await.unwrap();
    assert!(!chain.is_empty());
    assert_eq!(first_broken_link(&chain), None);
}

#[common::both_backends]
async fn concurrent_writers_read_their_own_writes_at_distinct_contiguous_revisions() {
    for group_commit in [true, false] {
        let (app, session, store, _keep) = app(group_commit).await;
        let before = app.revision();
        let names = (0..WRITERS).map(|i| group(&format!("Team {i}"), false));
        let outcomes = create_at_once(&app, &session, names.collect()).await;

        let mut revisions = Vec::new();
        for outcome in outcomes {
            let (revision, seen) = outcome.unwrap();
            assert!(
                seen,
                "a writer did not read its own write (group commit {group_commit})"
            );
            revisions.push(revision);
        }
        revisions.sort_unstable();
        let expected: Vec<u64> = (before + 1..=before + WRITERS as u64).collect();
        assert_eq!(revisions, expected, "group commit {group_commit}");
        assert_eq!(app.revision(), before + WRITERS as u64);
        assert_log_contiguous_and_chain_intact(&store).await;
    }
}

#[common::both_backends]
async fn refused_writes_among_concurrent_ones_fail_alone_and_are_audited() {
    let (app, session, store, _keep) = app(true).await;
    // One role-assignable group is allowed (D3): of these, the first decided is made and the
    // others are refused, while every plain group is made.
    let groups = (0..8).flat_map(|i| {
        [
            group(&format!("Tier {i}"), true),
            group(&format!("Plain {i}"), false),
        ]
    });
    let outcomes = create_at_once(&app, &session, groups.collect()).await;

    let made = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let refused = (outcomes.iter())
        .filter(|outcome| matches!(outcome, Err(AppError::Rule(_))))
        .count();
    assert_eq!((made, refused), (9, 7), "{outcomes:?}");
    let stored = store.load().await.unwrap();
    let role_assignable = stored.groups.values().filter(|g| g.is_assignable_to_role);
    assert_eq!((stored.groups.len(), role_assignable.count()), (9, 1));
    let chain = store.audit_chain(0, 10_000).await.unwrap();
    let refusals = (chain.iter())
        .filter(|event| event.record.action == "group.create")
        .filter(|event| event.record.outcome == Outcome::Failure);
    assert_eq!(refusals.count(), 7);
    assert_log_contiguous_and_chain_intact(&store).await;
}
