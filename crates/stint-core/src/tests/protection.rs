//! Protected groups and users (SPEC D4 and D8, beyond Entra).

use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, UserId};
use crate::policy::Approver;
use crate::protection::{is_protected_group, is_protected_user};
use crate::rules::fixture::*;
use crate::schedule::{Access, ScheduleKind};

fn protected_group(f: &Fixture, group: GroupId) -> bool {
    is_protected_group(&f.state, &f.state.groups[&group], t0())
}

fn protected_user(f: &Fixture, user: UserId) -> bool {
    is_protected_user(&f.state, user, t0())
}

/// Tier 0 (role-assignable, holding Global Administrator) and Nest, a plain group eligible for
/// membership of it.
fn tier0_with_eligible_nest(f: &mut Fixture) -> (GroupId, GroupId) {
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, GlobalAdministrator);
    let nest = f.group("Nest");
    f.eligible_member(tier0, nest);
    (tier0, nest)
}

#[test]
fn d4_a_role_assignable_group_is_protected_and_a_plain_one_is_not() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let finance = f.group("Finance");
    assert!(protected_group(&f, tier0));
    assert!(!protected_group(&f, finance));
}

#[test]
fn f1_a_group_eligible_for_a_role_assignable_group_is_protected() {
    let mut f = Fixture::new();
    let (_, nest) = tier0_with_eligible_nest(&mut f);
    assert!(protected_group(&f, nest));
}

#[test]
fn f1_protection_reaches_through_further_nesting_eligible_or_active() {
    let mut f = Fixture::new();
    let (_, nest) = tier0_with_eligible_nest(&mut f);
    let deeper = f.group("Deeper");
    f.eligible_member(nest, deeper);
    let active_inside = f.group("Active inside");
    f.member(deeper, active_inside);
    let unrelated = f.group("Unrelated");
    f.member(unrelated, deeper);
    assert!(protected_group(&f, deeper));
    assert!(protected_group(&f, active_inside));
    assert!(
        !protected_group(&f, unrelated),
        "a group containing a protected group gains nothing from it"
    );
}

#[test]
fn f1_protection_lasts_while_the_eligibility_lasts_future_included() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let nest = f.group("Nest");
    let start = t0() + days(2);
    f.schedule(
        tier0,
        nest,
        Access::Member,
        ScheduleKind::Eligible,
        window(start, start + days(30)),
    );
    let at = |when| is_protected_group(&f.state, &f.state.groups[&nest], when);
    assert!(
        at(t0()),
        "an eligibility that starts later protects already"
    );
    assert!(at(start + days(29)));
    assert!(
        !at(start + days(30)),
        "protection ends with the eligibility"
    );
}

#[test]
fn f1_a_group_named_as_approvers_of_a_protected_group_is_protected() {
    let mut f = Fixture::new();
    let (tier0, nest) = tier0_with_eligible_nest(&mut f);
    let approvers = f.group("Tier 0 approvers");
    let nest_approvers = f.group("Nest approvers");
    let finance = f.group("Finance");
    let finance_approvers = f.group("Finance approvers");
    for (group, by) in [
        (tier0, approvers),
        (nest, nest_approvers),
        (finance, finance_approvers),
    ] {
        f.managed(group);
        f.policy(group, Access::Member, |settings| {
            settings.approval.required = true;
            settings.approval.approvers = vec![Approver::MembersOf(by)];
        });
    }
    assert!(protected_group(&f, approvers));
    assert!(protected_group(&f, nest_approvers));
    assert!(!protected_group(&f, finance_approvers));
}

#[test]
fn f1_a_deleted_role_assignable_group_protects_nothing() {
    let mut f = Fixture::new();
    let (tier0, nest) = tier0_with_eligible_nest(&mut f);
    let mut deleted = f.state.groups[&tier0].clone();
    deleted.deleted_at = Some(t0() - hours(1));
    f.state.apply(crate::Change::Group(deleted));
    assert!(!protected_group(&f, nest));
}

#[test]
fn f2_an_eligible_member_or_owner_of_a_role_assignable_group_is_protected() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let member = f.user("member");
    let owner = f.user("owner");
    f.eligible_member(tier0, member);
    f.schedule(
        tier0,
        owner,
        Access::Owner,
        ScheduleKind::Eligible,
        window(t0() - days(1), t0() + days(30)),
    );
    assert!(protected_user(&f, member));
    assert!(protected_user(&f, owner));
}

#[test]
fn f2_a_user_eligible_through_a_nested_group_is_protected() {
    let mut f = Fixture::new();
    let (_, nest) = tier0_with_eligible_nest(&mut f);
    let active = f.user("active");
    let eligible = f.user("eligible");
    let owner = f.user("owner");
    f.member(nest, active);
    f.eligible_member(nest, eligible);
    f.owner(nest, owner);
    for user in [active, eligible, owner] {
        assert!(protected_user(&f, user));
    }
}

#[test]
fn f2_an_eligible_directory_role_protects() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let id = f.grant(alice, HelpdeskAdministrator);
    let mut assignment = f.state.role_assignments[&id].clone();
    assignment.eligible = true;
    f.state.apply(crate::Change::RoleAssignment(assignment));
    assert!(protected_user(&f, alice));
}

#[test]
fn f2_a_removed_role_or_an_ended_eligibility_no_longer_protects() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let alice = f.user("alice");
    f.schedule(
        tier0,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(30), t0() - days(1)),
    );
    let bob = f.user("bob");
    let id = f.grant(bob, UserAdministrator);
    let mut removed = f.state.role_assignments[&id].clone();
    removed.removed_at = Some(t0() - days(1));
    f.state.apply(crate::Change::RoleAssignment(removed));
    assert!(!protected_user(&f, alice));
    assert!(!protected_user(&f, bob));
}

#[test]
fn f2_a_disabled_eligible_user_stays_protected() {
    let mut f = Fixture::new();
    let (tier0, nest) = tier0_with_eligible_nest(&mut f);
    let alice = f.user("alice");
    let bob = f.user("bob");
    f.eligible_member(tier0, alice);
    f.member(nest, bob);
    f.disable(alice);
    f.disable(bob);
    assert!(protected_user(&f, alice));
    assert!(protected_user(&f, bob));
}

#[test]
fn f2_an_approver_of_a_protected_group_is_protected() {
    let mut f = Fixture::new();
    let (tier0, _) = tier0_with_eligible_nest(&mut f);
    let named = f.user("named");
    let through_group = f.user("through-group");
    let approvers = f.group("Tier 0 approvers");
    f.member(approvers, through_group);
    f.managed(tier0);
    f.policy(tier0, Access::Member, |settings| {
        settings.approval.required = true;
        settings.approval.approvers = vec![Approver::User(named), Approver::MembersOf(approvers)];
    });
    assert!(protected_user(&f, named));
    assert!(protected_user(&f, through_group));
}

#[test]
fn f2_membership_of_an_ordinary_group_does_not_protect() {
    let mut f = Fixture::new();
    let (_, nest) = tier0_with_eligible_nest(&mut f);
    let finance = f.group("Finance");
    let alice = f.user("alice");
    f.member(finance, alice);
    f.eligible_member(finance, nest);
    assert!(
        !protected_user(&f, alice),
        "a group that holds a protected group is not protected itself"
    );
}
