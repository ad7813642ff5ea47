//! A11: the last active owner of a group is never removed by an expiry.

use crate::ids::{GroupId, UserId};
use crate::rules::fixture::*;
use crate::rules::scheduler::{tick, Tick, LAST_OWNER_RETRY};
use crate::schedule::{Access, ScheduleKind};

struct Setup {
    f: Fixture,
    bob: UserId,
    group: GroupId,
}

/// Bob owns the group from `t0` for one day; nobody else owns it.
fn setup() -> Setup {
    let mut f = Fixture::new();
    let bob = f.user("bob");
    let group = f.group("Finance");
    f.schedule(
        group,
        bob,
        Access::Owner,
        ScheduleKind::Active,
        window(t0(), t0() + days(1)),
    );
    Setup { f, bob, group }
}

fn owners(f: &Fixture, group: GroupId, at: chrono::DateTime<chrono::Utc>) -> Vec<UserId> {
    f.state
        .direct_holders(group, Access::Owner, at)
        .into_iter()
        .map(|p| UserId(p.0))
        .collect()
}

#[test]
fn a11_the_last_owner_stays_owner_after_the_expiry() {
    let Setup { f, bob, group } = setup();
    assert_eq!(owners(&f, group, t0() + days(1) + minutes(1)), [bob]);
    assert!(f.state.is_owner(bob, group, t0() + days(2)));
}

#[test]
fn a11_the_expiry_goes_through_once_another_owner_exists() {
    let Setup { mut f, bob, group } = setup();
    let carol = f.user("carol");
    let later = t0() + days(3);
    f.schedule(
        group,
        carol,
        Access::Owner,
        ScheduleKind::Active,
        window(later, later + days(10)),
    );
    assert_eq!(
        owners(&f, group, later - minutes(1)),
        [bob],
        "kept until carol arrives"
    );
    assert_eq!(
        owners(&f, group, later),
        [carol],
        "removed as soon as carol owns the group"
    );
}

#[test]
fn a11_an_owner_whose_expiry_is_not_the_last_is_removed_on_time() {
    let Setup { mut f, bob, group } = setup();
    let carol = f.user("carol");
    f.schedule(
        group,
        carol,
        Access::Owner,
        ScheduleKind::Active,
        window(t0(), t0() + days(5)),
    );
    assert_eq!(owners(&f, group, t0() + days(1)), [carol]);
    assert!(!f.state.is_owner(bob, group, t0() + days(1)));
}

#[test]
fn a11_members_are_not_kept_after_their_expiry() {
    let Setup { mut f, bob, group } = setup();
    f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Active,
        window(t0(), t0() + days(1)),
    );
    assert!(f
        .state
        .direct_holders(group, Access::Member, t0() + days(1))
        .is_empty());
}

#[test]
fn a11_the_tick_records_that_the_last_owner_was_kept() {
    let Setup { f, group, .. } = setup();
    let decision = tick(&f.state, t0() + days(1), || f.fresh_id());
    assert_eq!(decision.actions(), ["owner.retained", "schedule.expire"]);
    assert_eq!(decision.audit[0].group_id, Some(group));
}

#[test]
fn a11_after_thirty_days_the_owner_stays_and_the_audit_says_so() {
    let Setup { mut f, bob, group } = setup();
    let expiry = tick(&f.state, t0() + days(1), || f.fresh_id());
    f.commit(expiry);
    let at = t0() + days(1) + LAST_OWNER_RETRY;
    let decision = tick(&f.state, at, || f.fresh_id());
    assert_eq!(decision.actions(), ["owner.kept"]);
    f.commit(decision);

    let carol = f.user("carol");
    f.schedule(
        group,
        carol,
        Access::Owner,
        ScheduleKind::Active,
        window(at + days(1), at + days(9)),
    );
    let mut after = owners(&f, group, at + days(2));
    after.sort();
    let mut expected = vec![bob, carol];
    expected.sort();
    assert_eq!(after, expected, "bob stays even once another owner exists");
    assert!(
        tick(&f.state, at + minutes(1), || f.fresh_id())
            .audit
            .is_empty(),
        "kept once only"
    );
}

#[test]
fn a11_the_retention_job_alone_keeps_the_last_owner_after_thirty_days() {
    let Setup { mut f, bob, group } = setup();
    let expiry = Tick::new(&f.state, t0() + days(1), || f.fresh_id()).record_expiries();
    assert_eq!(expiry.actions(), ["owner.retained", "schedule.expire"]);
    f.commit(expiry);
    let at = t0() + days(1) + LAST_OWNER_RETRY;
    assert!(Tick::new(&f.state, at, || f.fresh_id())
        .record_expiries()
        .audit
        .is_empty());
    let kept = Tick::new(&f.state, at, || f.fresh_id()).keep_last_owners();
    assert_eq!(kept.actions(), ["owner.kept"]);
    assert_eq!(kept.audit[0].group_id, Some(group));
    assert_eq!(kept.audit[0].principal_id, Some(bob.into()));
    assert!(Tick::new(&f.state, at - minutes(1), || f.fresh_id())
        .keep_last_owners()
        .audit
        .is_empty());
}
