//! The stories every target must tell, written once and run by each suite against its real
//! server. A suite passes its target, a link, its people with the value each has in the target,
//! and how to see the group's members *independently* (with the server's own tools or protocol,
//! not through the connector).

use std::collections::BTreeSet;

use stint_connectors::{
    sync_link, Link, Member, Mode, Removal, RemovalCause, SyncReport, Target, TargetValue,
    Unresolved,
};

use super::TestClock;

/// A member and the value it has in the target (as the independent observer shows it).
pub type Person<'a> = (&'a Member, &'a str);

fn sorted(values: &[&str]) -> Vec<String> {
    let mut values: Vec<String> = values.iter().map(|value| value.to_string()).collect();
    values.sort();
    values
}

/// Alice and Bob are added and appear; Bob's membership ends, and his removal is confirmed by
/// the read-back at the instant of the clock, and the target no longer lists him.
pub async fn add_then_end<T: Target + Sync>(
    target: &T,
    link: &Link,
    alice: Person<'_>,
    bob: Person<'_>,
    observe: impl AsyncFn() -> Vec<String>,
) {
    let clock = TestClock::new();
    let now = || clock.now();
    let wanted = [alice.0.clone(), bob.0.clone()];
    let first = sync_link(target, link, &wanted, &BTreeSet::new(), Mode::Enforce, &now)
        .await
        .unwrap();
    assert_eq!(first.added.len(), 2, "{first:#?}");
    assert!(
        first.failed.is_empty() && first.unresolved.is_empty(),
        "{first:#?}"
    );
    assert_eq!(observe().await, sorted(&[alice.1, bob.1]), "both appear");

    let later = clock.now() + chrono::Duration::minutes(5);
    clock.set(later);
    let second = sync_link(
        target,
        link,
        &wanted[..1],
        &first.pushed,
        Mode::Enforce,
        &now,
    )
    .await
    .unwrap();
    assert!(second.added.is_empty(), "{second:#?}");
    let removal = Removal {
        value: TargetValue::new(bob.1),
        cause: RemovalCause::NoLongerWanted,
        confirmed_at: later,
    };
    assert_eq!(second.removed, [removal], "confirmed by the read-back");
    assert_eq!(observe().await, sorted(&[alice.1]), "bob is gone");
    assert_eq!(second.pushed, BTreeSet::from([TargetValue::new(alice.1)]));
}

/// Mallory, added by hand behind Stint's back, is drift: only reported in `Report` mode, and
/// removed (confirmed) in `Enforce` mode.
pub async fn drift<T: Target + Sync>(
    target: &T,
    link: &Link,
    alice: Person<'_>,
    mallory: &str,
    add_by_hand: impl AsyncFn(),
    observe: impl AsyncFn() -> Vec<String>,
) {
    let clock = TestClock::new();
    let now = || clock.now();
    let wanted = [alice.0.clone()];
    let first = sync_link(target, link, &wanted, &BTreeSet::new(), Mode::Enforce, &now)
        .await
        .unwrap();
    add_by_hand().await;
    let mallory_value = TargetValue::new(mallory);

    let reported = sync_link(target, link, &wanted, &first.pushed, Mode::Report, &now)
        .await
        .unwrap();
    assert_eq!(
        reported.drift,
        std::slice::from_ref(&mallory_value),
        "{reported:#?}"
    );
    assert!(reported.removed.is_empty(), "{reported:#?}");
    assert!(
        !reported.pushed.contains(&mallory_value),
        "drift is not Stint's"
    );
    assert_eq!(
        observe().await,
        sorted(&[alice.1, mallory]),
        "left in place"
    );

    let enforced = sync_link(target, link, &wanted, &reported.pushed, Mode::Enforce, &now)
        .await
        .unwrap();
    assert_eq!(enforced.drift, std::slice::from_ref(&mallory_value));
    let removal = Removal {
        value: mallory_value,
        cause: RemovalCause::Drift,
        confirmed_at: clock.now(),
    };
    assert_eq!(enforced.removed, [removal], "{enforced:#?}");
    assert_eq!(observe().await, sorted(&[alice.1]), "removed");
}

/// A member missing in the target is reported unresolved (not an error) and the others are
/// added all the same. Returns the report.
pub async fn unresolved<T: Target + Sync>(
    target: &T,
    link: &Link,
    alice: Person<'_>,
    missing: &Member,
    observe: impl AsyncFn() -> Vec<String>,
) -> SyncReport {
    let clock = TestClock::new();
    let now = || clock.now();
    let wanted = [alice.0.clone(), missing.clone()];
    let report = sync_link(target, link, &wanted, &BTreeSet::new(), Mode::Enforce, &now)
        .await
        .unwrap();
    let unresolved = Unresolved {
        member: missing.id,
        error: None,
    };
    assert_eq!(report.unresolved, [unresolved], "{report:#?}");
    assert_eq!(report.added, [TargetValue::new(alice.1)]);
    assert_eq!(observe().await, sorted(&[alice.1]));
    report
}

/// With Alice pushed, the target breaks: a sync is a transient error. Once it is restored, the
/// sync completes and Bob appears.
pub async fn down_and_back<T: Target + Sync>(
    target: &T,
    link: &Link,
    alice: Person<'_>,
    bob: Person<'_>,
    break_it: impl AsyncFnOnce(),
    restore_it: impl AsyncFnOnce(),
    observe: impl AsyncFn() -> Vec<String>,
) {
    let clock = TestClock::new();
    let now = || clock.now();
    let wanted = [alice.0.clone(), bob.0.clone()];
    let first = sync_link(
        target,
        link,
        &wanted[..1],
        &BTreeSet::new(),
        Mode::Enforce,
        &now,
    )
    .await
    .unwrap();
    target.health().await.unwrap();

    break_it().await;
    let error = sync_link(target, link, &wanted, &first.pushed, Mode::Enforce, &now).await;
    let health = target.health().await;
    restore_it().await;
    let error = error.unwrap_err();
    assert!(error.is_transient(), "{error}");
    assert!(health.unwrap_err().is_transient());

    let report = sync_link(target, link, &wanted, &first.pushed, Mode::Enforce, &now)
        .await
        .unwrap();
    assert_eq!(report.added, [TargetValue::new(bob.1)], "{report:#?}");
    assert_eq!(observe().await, sorted(&[alice.1, bob.1]));
}

/// One batch of three values whose middle one the target refuses: the two others are added,
/// only the refused one is reported failed (and permanent); the same for removal.
pub async fn partial_batch<T: Target + Sync>(
    target: &T,
    link: &Link,
    good: [&str; 2],
    refused: &str,
    observe: impl AsyncFn() -> Vec<String>,
) {
    let values = [good[0], refused, good[1]].map(TargetValue::new);
    let applied = target.add(link, &values).await.unwrap();
    assert_eq!(applied.done, [values[0].clone(), values[2].clone()]);
    assert_eq!(applied.failed.len(), 1, "{applied:#?}");
    assert_eq!(applied.failed[0].0, values[1]);
    assert!(!applied.failed[0].1.is_transient());
    assert_eq!(observe().await, sorted(&good));

    let removed = target.remove(link, &values).await.unwrap();
    assert_eq!(removed.done, [values[0].clone(), values[2].clone()]);
    assert_eq!(removed.failed.len(), 1, "{removed:#?}");
    assert_eq!(removed.failed[0].0, values[1]);
    assert!(observe().await.is_empty());
}
