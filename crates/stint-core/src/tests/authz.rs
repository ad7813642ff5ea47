//! Who may do what (SPEC D1, D7, D8, P2, A6), decided from the roles a caller holds now.

use crate::authz::{
    may_administer_pim, may_create_group, may_manage_group_directly, may_manage_roles,
    may_manage_user, may_read_all_audit, may_reset_credentials,
};
use crate::directory::BuiltInRole::{self, *};
use crate::directory::GroupKind;
use crate::ids::{GroupId, UserId};
use crate::protection::is_protected_user;
use crate::rules::fixture::*;
use crate::schedule::{Access, ScheduleKind};

fn administers(f: &Fixture, caller: UserId, group: GroupId) -> bool {
    may_administer_pim(
        &f.state,
        &f.caller(caller, t0()),
        &f.state.groups[&group],
        t0(),
    )
}

fn manages_directly(f: &Fixture, caller: UserId, group: GroupId) -> bool {
    may_manage_group_directly(
        &f.state,
        &f.caller(caller, t0()),
        &f.state.groups[&group],
        t0(),
    )
}

fn resets(f: &Fixture, caller: UserId, target: UserId) -> bool {
    may_reset_credentials(&f.state, &f.caller(caller, t0()), target, t0())
}

// D1: a disabled administrator holds nothing.

#[test]
fn d1_a_disabled_global_administrator_may_do_nothing() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.disable(admin);
    assert!(!administers(&f, admin, finance));
    assert!(!manages_directly(&f, admin, finance));
    assert!(!resets(&f, admin, alice));
    assert!(!may_manage_roles(&f.caller(admin, t0())));
}

#[test]
fn d1_a_disabled_owner_is_no_longer_an_owner() {
    let mut f = Fixture::new();
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.owner(tier0, olga);
    assert!(administers(&f, olga, tier0));
    f.disable(olga);
    assert!(!administers(&f, olga, tier0));
    assert!(!manages_directly(&f, olga, tier0));
}

// D7: direct group management.

#[test]
fn d7_who_may_manage_a_group_that_is_not_role_assignable_directly() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let sales = f.microsoft365_group("Sales");
    let expected = |role: BuiltInRole| -> (bool, bool) {
        match role {
            GlobalAdministrator
            | PrivilegedRoleAdministrator
            | GroupsAdministrator
            | UserAdministrator
            | DirectoryWriters
            | IdentityGovernanceAdministrator => (true, true),
            ExchangeAdministrator => (false, true),
            HelpdeskAdministrator | AuthenticationAdministrator => (false, false),
        }
    };
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let (security, microsoft365) = expected(role);
        assert_eq!(
            manages_directly(&f, admin, finance),
            security,
            "{role:?} on security"
        );
        assert_eq!(
            manages_directly(&f, admin, sales),
            microsoft365,
            "{role:?} on Microsoft 365"
        );
    }
}

#[test]
fn d7_who_may_manage_a_role_assignable_group_directly() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let expected = matches!(role, GlobalAdministrator | PrivilegedRoleAdministrator);
        assert_eq!(manages_directly(&f, admin, tier0), expected, "{role:?}");
    }
    let olga = f.user("olga");
    f.owner(tier0, olga);
    assert!(manages_directly(&f, olga, tier0));
}

#[test]
fn d7_an_eligible_owner_may_not_manage_the_group_until_activated() {
    let mut f = Fixture::new();
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.schedule(
        tier0,
        olga,
        Access::Owner,
        ScheduleKind::Eligible,
        window(t0() - days(1), t0() + days(30)),
    );
    assert!(!manages_directly(&f, olga, tier0));
    assert!(!administers(&f, olga, tier0));
}

#[test]
fn d7_a_unit_scoped_role_counts_only_for_groups_in_the_unit() {
    let mut f = Fixture::new();
    let paris = f.group("Paris office");
    let lyon = f.group("Lyon office");
    let unit = f.unit("Paris", &[paris.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    assert!(manages_directly(&f, gus, paris));
    assert!(!manages_directly(&f, gus, lyon));
}

#[test]
fn d7_a_unit_scoped_groups_administrator_may_not_manage_a_role_assignable_group_in_the_unit() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let unit = f.unit("Paris", &[tier0.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    assert!(!manages_directly(&f, gus, tier0));
}

#[test]
fn d7_who_may_create_groups() {
    let mut f = Fixture::new();
    let global = f.admin("gaby", GlobalAdministrator);
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let exchange = f.admin("ed", ExchangeAdministrator);
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let may = |user: UserId, role_assignable: bool, kind: GroupKind| {
        may_create_group(&f.caller(user, t0()), role_assignable, kind)
    };
    assert!(may(global, true, GroupKind::Security));
    assert!(!may(groups_admin, true, GroupKind::Security));
    assert!(may(groups_admin, false, GroupKind::Security));
    assert!(may(exchange, false, GroupKind::Microsoft365));
    assert!(!may(exchange, false, GroupKind::Security));
    assert!(!may(exchange, true, GroupKind::Microsoft365));
    assert!(!may(helpdesk, false, GroupKind::Security));
}

// P2 and A6: who may administer a group in PIM.

#[test]
fn p2_who_may_administer_a_role_assignable_group_in_pim() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let expected = matches!(role, GlobalAdministrator | PrivilegedRoleAdministrator);
        assert_eq!(administers(&f, admin, tier0), expected, "{role:?}");
    }
    let olga = f.user("olga");
    f.owner(tier0, olga);
    assert!(administers(&f, olga, tier0));
}

#[test]
fn p2_who_may_administer_other_groups_in_pim() {
    let mut f = Fixture::new();
    let sales = f.microsoft365_group("Sales");
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let expected = !matches!(
            role,
            ExchangeAdministrator | HelpdeskAdministrator | AuthenticationAdministrator
        );
        assert_eq!(administers(&f, admin, sales), expected, "{role:?}");
    }
}

#[test]
fn p2_unit_scoped_roles_do_not_count_in_pim() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let unit = f.unit("Finance unit", &[finance.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    let global = f.user("gaby");
    f.grant_in_unit(global, GlobalAdministrator, unit);
    assert!(!administers(&f, gus, finance));
    assert!(!administers(&f, global, finance));
}

#[test]
fn a6_an_owner_of_one_group_does_not_administer_another() {
    let mut f = Fixture::new();
    let olga = f.user("olga");
    let finance = f.group("Finance");
    let payroll = f.group("Payroll");
    f.owner(finance, olga);
    assert!(administers(&f, olga, finance));
    assert!(!administers(&f, olga, payroll));
}

#[test]
fn a6_a_member_is_not_an_administrator_of_the_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.member(finance, alice);
    assert!(!administers(&f, alice, finance));
}

// D8: credential protection.

#[test]
fn d8_an_ordinary_user_is_not_protected() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.member(finance, alice);
    f.owner(finance, alice);
    assert!(!is_protected_user(&f.state, alice, t0()));
}

#[test]
fn d8_active_members_and_owners_of_role_assignable_groups_and_role_holders_are_protected() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let member = f.user("member");
    let owner = f.user("owner");
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    f.member(tier0, member);
    f.owner(tier0, owner);
    for user in [member, owner, helpdesk] {
        assert!(is_protected_user(&f.state, user, t0()));
    }
}

#[test]
fn d8_protection_lasts_from_the_assignment_to_the_end_of_its_window() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let alice = f.user("alice");
    let start = t0() + hours(1);
    f.schedule(
        tier0,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(start, start + hours(8)),
    );
    assert!(
        is_protected_user(&f.state, alice, t0()),
        "an activation that starts later protects already (F2)"
    );
    assert!(is_protected_user(&f.state, alice, start));
    assert!(!is_protected_user(&f.state, alice, start + hours(8)));
}

#[test]
fn d8_who_may_reset_credentials() {
    let mut f = Fixture::new();
    let ordinary = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    let protected = f.user("pat");
    f.member(tier0, protected);
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let privileged = matches!(role, GlobalAdministrator | PrivilegedRoleAdministrator);
        let resetter = privileged
            || matches!(
                role,
                HelpdeskAdministrator | AuthenticationAdministrator | UserAdministrator
            );
        assert_eq!(
            resets(&f, admin, ordinary),
            resetter,
            "{role:?} on an ordinary user"
        );
        assert_eq!(
            resets(&f, admin, protected),
            privileged,
            "{role:?} on a protected user"
        );
    }
}

#[test]
fn d8_user_administrator_may_not_manage_a_protected_user() {
    let mut f = Fixture::new();
    let user_admin = f.admin("uma", UserAdministrator);
    let alice = f.user("alice");
    let writer = f.admin("wendy", DirectoryWriters);
    let caller = f.caller(user_admin, t0());
    assert!(may_manage_user(&f.state, &caller, Some(alice), t0()));
    assert!(may_manage_user(&f.state, &caller, None, t0()));
    assert!(!may_manage_user(&f.state, &caller, Some(writer), t0()));
    let global = f.admin("gaby", GlobalAdministrator);
    assert!(may_manage_user(
        &f.state,
        &f.caller(global, t0()),
        Some(writer),
        t0()
    ));
}

#[test]
fn d5_only_global_and_privileged_role_administrators_manage_roles_and_read_all_audit() {
    let mut f = Fixture::new();
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let caller = f.caller(admin, t0());
        let expected = matches!(role, GlobalAdministrator | PrivilegedRoleAdministrator);
        assert_eq!(may_manage_roles(&caller), expected, "{role:?}");
        assert_eq!(may_read_all_audit(&caller), expected, "{role:?}");
    }
}

// D4 beyond Entra (F1): a group eligible for a role-assignable group is managed like one.

#[test]
fn f1_only_the_privileged_and_owners_manage_a_group_eligible_for_a_role_assignable_group() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, GlobalAdministrator);
    let nest = f.microsoft365_group("Nest");
    f.eligible_member(tier0, nest);
    let unit = f.unit("Everything", &[nest.0]);
    for role in BuiltInRole::ALL {
        let admin = f.admin(role.display_name(), role);
        let scoped = f.user(&format!("{} in unit", role.display_name()));
        f.grant_in_unit(scoped, role, unit);
        let expected = matches!(role, GlobalAdministrator | PrivilegedRoleAdministrator);
        assert_eq!(manages_directly(&f, admin, nest), expected, "{role:?}");
        assert_eq!(administers(&f, admin, nest), expected, "{role:?} in PIM");
        assert_eq!(
            manages_directly(&f, scoped, nest),
            expected,
            "{role:?} scoped to a unit"
        );
    }
    let olga = f.user("olga");
    f.owner(nest, olga);
    assert!(manages_directly(&f, olga, nest));
    assert!(administers(&f, olga, nest));
}

// Who may read what an activation needs: those eligible for it now (V1, V6) and its PIM readers.

fn reads_activation_rules(f: &Fixture, caller: UserId, group: GroupId, access: Access) -> bool {
    let caller = f.caller(caller, t0());
    crate::authz::Authority::new(&f.state, &caller, t0())
        .activation_rules_reader(group, access)
        .is_ok()
}

#[test]
fn those_eligible_directly_or_through_a_group_read_what_an_activation_needs_and_no_one_else() {
    let mut f = Fixture::new();
    let payments = f.group("Payments");
    f.managed(payments);
    let alice = f.user("alice");
    let bob = f.user("bob");
    let carol = f.user("carol");
    let on_call = f.group("On call");
    f.eligible_member(payments, alice);
    f.eligible_member(payments, on_call);
    f.member(on_call, bob);
    let admin = f.admin("gaby", GroupsAdministrator);
    assert!(reads_activation_rules(&f, alice, payments, Access::Member));
    assert!(reads_activation_rules(&f, bob, payments, Access::Member));
    assert!(reads_activation_rules(&f, admin, payments, Access::Owner));
    assert!(!reads_activation_rules(&f, alice, payments, Access::Owner));
    assert!(!reads_activation_rules(&f, carol, payments, Access::Member));
}
