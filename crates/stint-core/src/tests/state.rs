//! Effective membership and roles computed from schedules and time (SPEC D1, D4, D6, A9, A10, V7).

use proptest::prelude::*;

use crate::directory::BuiltInRole::*;
use crate::directory::DirectoryScope;
use crate::ids::PrincipalId;
use crate::rules::fixture::*;
use crate::schedule::{Access, EndReason, Ended, ScheduleKind, Window};
use crate::state::HeldRole;
use crate::Change;

// D1: users.

#[test]
fn d1_a_disabled_user_holds_no_effective_membership_or_ownership() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.member(finance, alice);
    f.owner(finance, alice);
    assert!(f.state.is_effective_member(alice.into(), finance, t0()));
    f.disable(alice);
    assert!(!f.state.is_effective_member(alice.into(), finance, t0()));
    assert!(!f.state.is_owner(alice, finance, t0()));
    assert!(f
        .state
        .direct_holders(finance, Access::Member, t0())
        .is_empty());
    assert!(f.state.transitive_members(finance, t0()).is_empty());
}

#[test]
fn d1_a_disabled_user_holds_no_roles() {
    let mut f = Fixture::new();
    let alice = f.admin("alice", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, ExchangeAdministrator);
    f.member(tier0, alice);
    assert_eq!(f.state.roles_of(alice, t0()).len(), 2);
    f.disable(alice);
    assert!(f.state.roles_of(alice, t0()).is_empty());
    assert!(f.caller(alice, t0()).roles.is_empty());
}

#[test]
fn d1_a_disabled_member_does_not_pass_membership_on_through_a_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let inner = f.group("Inner");
    let outer = f.group("Outer");
    f.member(inner, alice);
    f.member(outer, inner);
    f.disable(alice);
    assert!(!f.state.is_effective_member(alice.into(), outer, t0()));
}

#[test]
fn d1_users_are_found_by_name_in_any_case() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let found = f.state.user_by_name("ALICE@contoso.TEST").expect("found");
    assert_eq!(found.id, alice);
    assert!(f.state.user_by_name("bob@contoso.test").is_none());
}

// D4: nesting is transitive.

#[test]
fn d4_nested_membership_is_transitive() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let team = f.group("Team");
    let department = f.group("Department");
    let company = f.group("Company");
    f.member(team, alice);
    f.member(department, team);
    f.member(company, department);

    let members = f.state.transitive_members(company, t0());
    let expected: std::collections::BTreeSet<PrincipalId> =
        [alice.into(), team.into(), department.into()].into();
    assert_eq!(members, expected);
    assert!(f.state.is_effective_member(alice.into(), company, t0()));
    assert!(f.state.is_effective_member(team.into(), company, t0()));
    assert_eq!(
        f.state.transitive_member_of(alice.into(), t0()),
        [team, department, company].into()
    );
    assert_eq!(f.state.direct_member_of(alice.into(), t0()), [team].into());
}

#[test]
fn d4_an_eligible_group_membership_passes_nothing_on() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let team = f.group("Team");
    let tier0 = f.role_assignable_group("Tier 0");
    f.member(team, alice);
    f.eligible_member(tier0, team);
    assert!(!f.state.is_effective_member(alice.into(), tier0, t0()));
    assert!(!f.state.is_effective_member(team.into(), tier0, t0()));
    assert!(f.state.transitive_members(tier0, t0()).is_empty());
}

#[test]
fn d4_nested_membership_ends_when_the_inner_membership_ends() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let team = f.group("Team");
    let company = f.group("Company");
    f.schedule(
        team,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(t0(), t0() + hours(8)),
    );
    f.member(company, team);
    assert!(f.state.is_effective_member(alice.into(), company, t0()));
    assert!(!f
        .state
        .is_effective_member(alice.into(), company, t0() + hours(8)));
}

#[test]
fn d4_a_cycle_is_detected_through_eligible_and_active_memberships() {
    let mut f = Fixture::new();
    let a = f.group("A");
    let b = f.group("B");
    let c = f.group("C");
    f.member(b, a);
    f.eligible_member(c, b);
    assert!(f.state.would_create_cycle(c, a, t0()));
    assert!(f.state.would_create_cycle(a, a, t0()));
    assert!(!f.state.would_create_cycle(a, c, t0()));
}

#[test]
fn d4_an_ended_membership_does_not_count_towards_a_cycle() {
    let mut f = Fixture::new();
    let a = f.group("A");
    let b = f.group("B");
    f.schedule(
        b,
        a,
        Access::Member,
        ScheduleKind::Active,
        window(t0() - days(2), t0() - days(1)),
    );
    assert!(!f.state.would_create_cycle(b, a, t0()));
}

// D6: roles through groups.

#[test]
fn d6_a_user_holds_a_role_through_an_active_membership_of_a_role_assignable_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0 Office Admins");
    f.grant(tier0, ExchangeAdministrator);
    f.member(tier0, alice);
    assert_eq!(
        f.state.roles_of(alice, t0()),
        vec![HeldRole {
            role: ExchangeAdministrator,
            scope: DirectoryScope::Directory,
            via_group: Some(tier0),
        }]
    );
    assert!(f
        .caller(alice, t0())
        .has_directory_role(ExchangeAdministrator));
}

#[test]
fn d6_membership_of_a_group_holding_several_roles_grants_all_of_them() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0 Office Admins");
    for role in [
        ExchangeAdministrator,
        HelpdeskAdministrator,
        UserAdministrator,
    ] {
        f.grant(tier0, role);
    }
    f.member(tier0, alice);
    let mut roles: Vec<_> = f
        .state
        .roles_of(alice, t0())
        .into_iter()
        .map(|held| (held.role, held.via_group))
        .collect();
    roles.sort();
    assert_eq!(
        roles,
        vec![
            (UserAdministrator, Some(tier0)),
            (ExchangeAdministrator, Some(tier0)),
            (HelpdeskAdministrator, Some(tier0)),
        ]
    );
}

#[test]
fn d6_a_directly_held_role_has_no_group() {
    let mut f = Fixture::new();
    let alice = f.admin("alice", GroupsAdministrator);
    assert_eq!(
        f.state.roles_of(alice, t0()),
        vec![HeldRole {
            role: GroupsAdministrator,
            scope: DirectoryScope::Directory,
            via_group: None,
        }]
    );
}

#[test]
fn d6_an_eligible_member_holds_no_role_through_the_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, ExchangeAdministrator);
    f.eligible_member(tier0, alice);
    assert!(f.state.roles_of(alice, t0()).is_empty());
}

#[test]
fn d6_an_owner_holds_no_role_through_the_group() {
    let mut f = Fixture::new();
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, ExchangeAdministrator);
    f.owner(tier0, olga);
    assert!(f.state.roles_of(olga, t0()).is_empty());
}

#[test]
fn d6_the_role_lasts_exactly_as_long_as_the_activation() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, ExchangeAdministrator);
    let start = t0() + hours(1);
    f.schedule(
        tier0,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(start, start + hours(8)),
    );
    assert!(f.state.roles_of(alice, start - minutes(1)).is_empty());
    assert_eq!(f.state.roles_of(alice, start).len(), 1);
    assert_eq!(
        f.state.roles_of(alice, start + hours(8) - minutes(1)).len(),
        1
    );
    assert!(f.state.roles_of(alice, start + hours(8)).is_empty());
}

#[test]
fn d6_a_role_scoped_to_a_unit_keeps_its_scope_through_the_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let unit = f.unit("Paris", &[]);
    let admins = f.role_assignable_group("Paris helpdesk");
    f.grant_in_unit(admins, HelpdeskAdministrator, unit);
    f.member(admins, alice);
    let roles = f.state.roles_of(alice, t0());
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].scope, DirectoryScope::AdministrativeUnit(unit));
    assert!(!f
        .caller(alice, t0())
        .has_directory_role(HelpdeskAdministrator));
}

// A9: future start.

#[test]
fn a9_a_future_start_assignment_is_not_in_force_before_its_start_and_is_at_its_start() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let start = t0() + days(2);
    let id = f.schedule(
        finance,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(start, start + days(1)),
    );
    let schedule = f.schedule_of(id);
    assert!(!schedule.is_in_force_at(start - seconds(1)));
    assert!(schedule.is_in_force_at(start));
    assert!(schedule.is_open_at(t0()), "a future schedule is open");
    assert!(!f
        .state
        .direct_holders(finance, Access::Member, start - seconds(1))
        .contains(&alice.into()));
    assert!(f
        .state
        .direct_holders(finance, Access::Member, start)
        .contains(&alice.into()));
}

// A10: history.

#[test]
fn a10_an_expired_schedule_stays_in_the_state_with_status_expired() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let id = f.schedule(
        finance,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(20), t0() - days(10)),
    );
    let schedule = f.schedule_of(id);
    assert_eq!(schedule.status_at(t0()), "Expired");
    assert_eq!(schedule.status_at(t0() - days(15)), "Provisioned");
    assert_eq!(f.state.schedules_of_group(finance).count(), 1);
    assert_eq!(f.state.schedules_of_principal(alice.into()).count(), 1);
}

#[test]
fn a10_a_removed_schedule_stays_in_the_state_with_status_revoked() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let id = f.member(finance, alice);
    let mut removed = f.schedule_of(id).clone();
    removed.ended = Some(Ended {
        at: t0(),
        reason: EndReason::Removed,
    });
    f.state.apply(Change::Schedule(removed));
    let schedule = f.schedule_of(id);
    assert_eq!(schedule.status_at(t0() + days(29)), "Revoked");
    assert!(!schedule.is_in_force_at(t0()));
    assert!(schedule.is_in_force_at(t0() - minutes(1)));
    assert_eq!(f.state.schedules_of_group(finance).count(), 1);
}

// V7: on time, whether or not a tidy-up has run.

#[test]
fn v7_nobody_is_a_member_at_the_end_of_the_activation() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.schedule(
        finance,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(t0(), t0() + hours(8)),
    );
    let end = t0() + hours(8);
    assert!(f
        .state
        .is_effective_member(alice.into(), finance, end - seconds(1)));
    assert!(!f.state.is_effective_member(alice.into(), finance, end));
    assert!(f.state.direct_member_of(alice.into(), end).is_empty());
}

proptest! {
    #[test]
    fn v7_nobody_is_a_member_after_the_end_with_no_tidy_up(
        start in -10_000i64..10_000,
        length in 1i64..10_000,
        cut in proptest::option::of(-10_000i64..20_000),
        at in -20_000i64..30_000,
    ) {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let finance = f.group("Finance");
        let start = t0() + minutes(start);
        let end = start + minutes(length);
        let id = f.schedule(finance, alice, Access::Member, ScheduleKind::Active, window(start, end));
        // An early end (removal, deactivation) cuts the window; no expiry tidy-up ever runs.
        let mut schedule = f.schedule_of(id).clone();
        let cut = cut.map(|cut| t0() + minutes(cut));
        schedule.ended = cut.map(|at| Ended { at, reason: EndReason::Removed });
        f.state.apply(Change::Schedule(schedule));

        let at = t0() + minutes(at);
        let effective_end = cut.map_or(end, |cut| cut.min(end));
        let expected = start <= at && at < effective_end;
        prop_assert_eq!(f.schedule_of(id).is_in_force_at(at), expected);
        prop_assert_eq!(
            f.state.direct_holders(finance, Access::Member, at).contains(&alice.into()),
            expected
        );
        prop_assert_eq!(f.state.is_effective_member(alice.into(), finance, at), expected);
    }

    #[test]
    fn v7_a_schedule_is_in_force_exactly_within_its_window(
        start in -10_000i64..10_000,
        length in proptest::option::of(0i64..10_000),
        at in -20_000i64..30_000,
    ) {
        let mut f = Fixture::new();
        let alice = f.user("alice");
        let finance = f.group("Finance");
        let start = t0() + minutes(start);
        let planned = Window { start, end: length.map(|length| start + minutes(length)) };
        let id = f.schedule(finance, alice, Access::Member, ScheduleKind::Eligible, planned);
        let at = t0() + minutes(at);
        let expected = start <= at && planned.end.is_none_or(|end| at < end);
        prop_assert_eq!(f.schedule_of(id).is_in_force_at(at), expected);
    }
}

#[test]
fn a_bulk_load_lists_schedules_by_group_and_by_principal_as_one_by_one_application_does() {
    let mut f = Fixture::new();
    let (alice, bob) = (f.user("alice"), f.user("bob"));
    let (finance, payroll) = (f.group("Finance"), f.group("Payroll"));
    f.member(finance, alice);
    f.owner(finance, bob);
    f.member(payroll, alice);
    f.member(payroll, finance);
    f.schedule(
        payroll,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0(), t0() + hours(8)),
    );
    let changes = f
        .state
        .users
        .values()
        .cloned()
        .map(Change::User)
        .chain(f.state.groups.values().cloned().map(Change::Group))
        .chain(f.state.schedules.values().cloned().map(Change::Schedule));
    let loaded = crate::State::from_changes(changes);

    let ids = |schedules: Vec<&crate::schedule::Schedule>| {
        let mut ids: Vec<_> = schedules.into_iter().map(|s| s.id).collect();
        ids.sort();
        ids
    };
    for group in [finance, payroll] {
        let applied = ids(f.state.schedules_of_group(group).collect());
        assert_eq!(ids(loaded.schedules_of_group(group).collect()), applied);
        for access in Access::ALL {
            let applied = ids(f.state.schedules_of_group_for(group, access).collect());
            let loaded = ids(loaded.schedules_of_group_for(group, access).collect());
            assert_eq!(loaded, applied, "{access:?}");
        }
    }
    for principal in [PrincipalId::from(alice), bob.into(), finance.into()] {
        let applied = ids(f.state.schedules_of_principal(principal).collect());
        assert!(!applied.is_empty());
        assert_eq!(
            ids(loaded.schedules_of_principal(principal).collect()),
            applied
        );
    }
    assert!(loaded.is_effective_member(alice.into(), payroll, t0()));
}
