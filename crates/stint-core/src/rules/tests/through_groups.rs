//! V6 to its end: activations through a group end with the membership they came from.

use crate::change::{Change, Decision};
use crate::ids::{GroupId, ScheduleId, UserId};
use crate::rules::activation::self_request;
use crate::rules::assignment::Assigned;
use crate::rules::fixture::*;
use crate::rules::scheduler::Tick;
use crate::schedule::{Access, EndReason, ScheduleKind};

use super::ends_following;

/// Ursula, member of Tier 1, activated her membership of Finance through Tier 1's eligibility.
struct Activated {
    f: Fixture,
    ursula: UserId,
    tier: GroupId,
    finance: GroupId,
    /// Ursula's membership of Tier 1.
    in_tier: ScheduleId,
    /// Her activation in Finance.
    activation: ScheduleId,
}

fn activated() -> Activated {
    let mut f = Fixture::new();
    let ursula = f.user("ursula");
    let tier = f.group("Tier 1");
    let finance = f.group("Finance");
    f.managed(finance);
    let in_tier = f.member(tier, ursula);
    f.eligible_member(finance, tier);
    let activation = activate(&mut f, finance, ursula);
    Activated {
        f,
        ursula,
        tier,
        finance,
        in_tier,
        activation,
    }
}

fn activate(f: &mut Fixture, group: GroupId, user: UserId) -> ScheduleId {
    let (decision, request) =
        self_request(&f.state, &f.context(user, t0()), self_activate(group, user))
            .expect("the activation should succeed");
    f.commit(decision);
    request.target_schedule_id.expect("activated at once")
}

/// A decision ending `schedule` at `t0 + 1 hour`, as a removal would.
fn ending(f: &Fixture, schedule: ScheduleId) -> Decision {
    let ended = f
        .schedule_of(schedule)
        .ended_at(t0() + hours(1), EndReason::Removed);
    Decision::new().change(Change::Schedule(ended))
}

fn follow_up(f: &Fixture, decision: &Decision) -> Decision {
    ends_following(&f.state, decision, t0() + hours(1), &mut || f.fresh_id())
}

#[test]
fn v6_leaving_the_group_ends_the_activation_made_through_it() {
    let a = activated();
    let follow = follow_up(&a.f, &ending(&a.f, a.in_tier));
    let ended = follow.schedules();
    assert_eq!(ended.len(), 1);
    assert_eq!(ended[0].id, a.activation);
    assert_eq!(
        ended[0].ended.map(|e| (e.at, e.reason)),
        Some((t0() + hours(1), EndReason::Removed))
    );
    let events: Vec<_> = follow
        .audit
        .iter()
        .filter(|e| e.action == "schedule.end")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target_id, a.activation.to_string());
    assert!(
        events[0].message.contains("Tier 1"),
        "{}",
        events[0].message
    );
    let mut f = a.f;
    f.commit(ending(&f, a.in_tier));
    f.commit(follow);
    assert!(!f
        .state
        .is_effective_member(a.ursula.into(), a.finance, t0() + hours(2)));
}

#[test]
fn v6_another_way_into_the_group_keeps_the_activation() {
    let mut a = activated();
    let ops = a.f.group("Ops");
    a.f.member(ops, a.ursula);
    a.f.member(a.tier, ops);
    let follow = follow_up(&a.f, &ending(&a.f, a.in_tier));
    assert!(
        follow.changes.is_empty(),
        "Ursula still reaches Tier 1 through Ops"
    );
}

#[test]
fn v6_removing_a_nested_group_ends_the_activations_of_its_members() {
    let mut f = Fixture::new();
    let ursula = f.user("ursula");
    let ops = f.group("Ops");
    let tier = f.group("Tier 1");
    let finance = f.group("Finance");
    f.managed(finance);
    f.member(ops, ursula);
    let ops_in_tier = f.member(tier, ops);
    f.eligible_member(finance, tier);
    let activation = activate(&mut f, finance, ursula);
    let follow = follow_up(&f, &ending(&f, ops_in_tier));
    assert_eq!(
        follow.schedules().iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![activation]
    );
}

#[test]
fn v6_the_end_follows_a_chain_of_activations() {
    let mut a = activated();
    let vault = a.f.group("Vault");
    a.f.managed(vault);
    a.f.eligible_member(vault, a.finance);
    let second = activate(&mut a.f, vault, a.ursula);
    let follow = follow_up(&a.f, &ending(&a.f, a.in_tier));
    let mut ended: Vec<_> = follow.schedules().iter().map(|s| s.id).collect();
    ended.sort();
    let mut wanted = vec![a.activation, second];
    wanted.sort();
    assert_eq!(ended, wanted, "Finance was her way into Vault");
}

/// Ursula, member of Tier 1 until `t0 + 1 hour`, activated her membership of Finance through
/// Tier 1's eligibility at `t0`: the fixture, Ursula, Finance and her activation.
fn activated_through_a_membership_ending_in_an_hour() -> (Fixture, UserId, GroupId, ScheduleId) {
    let mut f = Fixture::new();
    let ursula = f.user("ursula");
    let tier = f.group("Tier 1");
    let finance = f.group("Finance");
    f.managed(finance);
    f.schedule(
        tier,
        ursula,
        Access::Member,
        ScheduleKind::Active,
        window(t0() - days(1), t0() + hours(1)),
    );
    f.eligible_member(finance, tier);
    let activation = activate(&mut f, finance, ursula);
    (f, ursula, finance, activation)
}

#[test]
fn v6_v7_expiry_of_the_membership_ends_the_activation() {
    let (f, _, _, activation) = activated_through_a_membership_ending_in_an_hour();
    let later = t0() + hours(1) + seconds(1);
    let expiries = Tick::new(&f.state, later, || f.fresh_id()).record_expiries();
    // The activation ended with the membership (it was made to), and is recorded expired with
    // it; nothing is left for the follow-up to end.
    let expired: Vec<ScheduleId> = expiries.schedules().iter().map(|s| s.id).collect();
    assert!(expired.contains(&activation), "{expired:?}");
    let follow = ends_following(&f.state, &expiries, later, &mut || f.fresh_id());
    assert!(follow.schedules().is_empty(), "{follow:?}");
}

#[test]
fn v6_v7_an_activation_through_a_group_ends_when_the_way_into_the_group_does() {
    let (f, ursula, finance, activation) = activated_through_a_membership_ending_in_an_hour();
    // Asked for the policy's longest; it ends with her membership of Tier 1, so no check after
    // that reports her a member of Finance, whether or not the scheduler has run.
    assert_eq!(f.schedule_of(activation).window.end, Some(t0() + hours(1)));
    let later = t0() + hours(1) + seconds(1);
    assert!(!f.state.is_effective_member(ursula.into(), finance, later));
}

#[test]
fn v6_a_decision_that_ends_no_membership_ends_nothing_more() {
    let a = activated();
    let follow = follow_up(&a.f, &Decision::new());
    assert!(follow.changes.is_empty() && follow.audit.is_empty());
    let deactivating = ending(&a.f, a.activation);
    assert!(follow_up(&a.f, &deactivating).changes.is_empty());
}
