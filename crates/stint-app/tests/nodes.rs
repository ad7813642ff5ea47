//! X2, V7 with several nodes: two `App`s on one store stand for two nodes. The store's revision
//! check is all that keeps them from recording the same thing twice.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use stint_app::{App, AppConfig, ManualClock};
use stint_core::audit::AuditQuery;
use stint_core::ids::{GroupId, PrincipalId, ScheduleId};
use stint_core::schedule::{Access, AssignmentType, MemberType, Schedule, ScheduleKind, Window};
use stint_core::{Change, Decision};
use stint_store::Store;

use common::{Backend, Keep};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
}

/// An active membership from `start()` for one hour.
fn active_membership(group: GroupId) -> Schedule {
    Schedule {
        id: ScheduleId {
            group,
            access: Access::Member,
            origin: uuid::Uuid::new_v4(),
        },
        kind: ScheduleKind::Active,
        principal_id: PrincipalId(uuid::Uuid::new_v4()),
        member_type: MemberType::Direct,
        assignment_type: AssignmentType::Assigned,
        window: Window {
            start: start(),
            end: Some(start() + TimeDelta::hours(1)),
        },
        created_using: None,
        created_at: start(),
        modified_at: start(),
        ended: None,
        reminders_sent: 0,
    }
}

/// Two nodes that share a clock, on a fresh store of the test's backend with `count` schedules
/// that all end at the same instant.
struct TwoNodes {
    store: Arc<dyn Store>,
    clock: ManualClock,
    a: Arc<App>,
    b: Arc<App>,
    /// Declared last: the database goes after the nodes.
    _keep: Keep,
}

async fn two_nodes(count: usize) -> TwoNodes {
    let (store, keep) = Backend::fresh_store().await;
    let group = GroupId(uuid::Uuid::new_v4());
    let mut decision = Decision::new();
    for _ in 0..count {
        decision.push(Change::Schedule(active_membership(group)));
    }
    store.commit(Some(0), &decision, start()).await.unwrap();
    let clock = ManualClock::starting_at(start());
    let open = || App::open(store.clone(), Arc::new(clock.clone()), AppConfig::default());
    let (a, b) = (
        Arc::new(open().await.unwrap()),
        Arc::new(open().await.unwrap()),
    );
    TwoNodes {
        store,
        clock,
        a,
        b,
        _keep: keep,
    }
}

async fn expiry_events(store: &Arc<dyn Store>) -> Vec<String> {
    let query = AuditQuery {
        limit: 10_000,
        ..AuditQuery::default()
    };
    store
        .audit(&query)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.record.action == "schedule.expire")
        .map(|event| event.record.target_id)
        .collect()
}

#[common::both_backends(flavor = "multi_thread", worker_threads = 4)]
async fn x2_v7_two_nodes_ticking_at_once_record_each_expiry_once() {
    for round in 0..10 {
        let TwoNodes {
            store,
            clock,
            a,
            b,
            _keep,
        } = two_nodes(50).await;
        clock.advance(TimeDelta::hours(1));
        let (one, other) = tokio::join!(
            tokio::spawn({
                let a = a.clone();
                async move { a.tick().await }
            }),
            tokio::spawn({
                let b = b.clone();
                async move { b.tick().await }
            }),
        );
        let outcomes = [one.unwrap().unwrap(), other.unwrap().unwrap()];
        assert_eq!(
            outcomes.iter().filter(|o| o.is_some()).count(),
            1,
            "round {round}: exactly one node records the expiries: {outcomes:?}"
        );
        let mut events = expiry_events(&store).await;
        assert_eq!(events.len(), 50, "round {round}");
        events.sort();
        events.dedup();
        assert_eq!(events.len(), 50, "round {round}: no schedule expired twice");
        // Both nodes now agree, and a later tick on either finds nothing left.
        assert_eq!(a.tick().await.unwrap(), None);
        assert_eq!(b.tick().await.unwrap(), None);
        assert_eq!(a.revision(), b.revision());
    }
}

#[common::both_backends]
async fn x2_the_follower_brings_a_node_up_to_date_within_its_poll() {
    let TwoNodes {
        store,
        clock,
        a,
        b,
        _keep,
    } = two_nodes(3).await;
    let follower = stint_app::follower::spawn(b.clone(), Duration::from_millis(50));
    clock.advance(TimeDelta::hours(1));
    let revision = a.tick().await.unwrap().unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while b.revision() < revision {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the follower never caught up"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    follower.abort();
    let ended = |app: &App| {
        app.inspect_state(|state| {
            state
                .schedules
                .values()
                .filter(|s| s.ended.is_some())
                .count()
        })
    };
    assert_eq!((ended(&a), ended(&b)), (3, 3));
    assert_eq!(expiry_events(&store).await.len(), 3);
}

/// A node that decides on a stale state is refused by the store, catches up on the other node's
/// commit and finds nothing left to record.
#[common::both_backends]
async fn x2_a_stale_node_catches_up_instead_of_recording_twice() {
    let TwoNodes {
        clock, a, b, _keep, ..
    } = two_nodes(2).await;
    clock.advance(TimeDelta::hours(1));
    let ticked = a.tick().await.unwrap().unwrap();
    // `b` has not seen `a`'s tick; its next write commits after it and must bring it along.
    let before = b.revision();
    assert!(before < ticked);
    assert_eq!(
        b.tick().await.unwrap(),
        None,
        "b catches up before deciding"
    );
    let ended = b.inspect_state(|state| {
        state
            .schedules
            .values()
            .filter(|s| s.ended.is_some())
            .count()
    });
    assert_eq!(ended, 2);
}
