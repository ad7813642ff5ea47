//! Bringing groups under PIM (SPEC P1–P4, P6).

use crate::directory::BuiltInRole::{self, *};
use crate::ids::{GroupId, UserId};
use crate::policy::PolicySettings;
use crate::rules::directory::{update_group, GroupPatch};
use crate::rules::fixture::*;
use crate::rules::onboarding::{discover, manage, why_not_manageable};
use crate::schedule::Access;
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

/// The roles P2 names for groups that are not role-assignable.
const P2_GROUP_MANAGERS: [BuiltInRole; 6] = [
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    GroupsAdministrator,
    UserAdministrator,
    DirectoryWriters,
    IdentityGovernanceAdministrator,
];

/// As the app calls the rule: the right to manage the group first (P2), then the change.
fn manage_as(f: &Fixture, caller: UserId, group: GroupId) -> Result<Decision, Violation> {
    let ctx = f.context(caller, t0());
    manage(&ctx, ctx.authority(&f.state).pim_admin_of(group)?)
}

fn discovered(f: &Fixture, caller: UserId, managed: bool) -> Vec<GroupId> {
    discover(&f.state, &f.caller(caller, t0()), t0(), managed)
        .into_iter()
        .map(|group| group.id)
        .collect()
}

// P1: discover.

#[test]
fn p1_discover_lists_the_unmanaged_groups_the_caller_may_administer() {
    let mut f = Fixture::new();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let finance = f.group("Finance");
    let payroll = f.group("Payroll");
    let managed = f.group("Managed");
    f.managed(managed);
    let tier0 = f.role_assignable_group("Tier 0");
    let found = discovered(&f, groups_admin, false);
    assert_eq!(found, vec![finance, payroll], "sorted by name");
    assert!(!found.contains(&tier0), "not role-assignable groups only");
}

#[test]
fn p1_discover_with_managed_lists_the_managed_groups() {
    let mut f = Fixture::new();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    f.group("Finance");
    let managed = f.group("Managed");
    f.managed(managed);
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    assert_eq!(discovered(&f, groups_admin, true), vec![managed]);
}

#[test]
fn p1_an_owner_discovers_the_role_assignable_group_they_own() {
    let mut f = Fixture::new();
    let olga = f.user("olga");
    f.group("Finance");
    let tier0 = f.role_assignable_group("Tier 0");
    f.role_assignable_group("Tier 1");
    f.owner(tier0, olga);
    assert_eq!(discovered(&f, olga, false), vec![tier0]);
}

#[test]
fn p1_a_user_without_a_role_discovers_nothing() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    f.group("Finance");
    f.role_assignable_group("Tier 0");
    assert!(discovered(&f, alice, false).is_empty());
}

#[test]
fn p1_discover_leaves_out_deleted_groups() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.group_like("Gone", |group| group.deleted_at = Some(t0() - days(1)));
    f.group_like("Gone and managed", |group| {
        group.deleted_at = Some(t0() - days(1));
        group.managed_since = Some(t0() - days(2));
    });
    assert_eq!(discovered(&f, admin, false), vec![finance]);
    assert!(discovered(&f, admin, true).is_empty());
}

// P2: who may manage.

#[test]
fn p2_global_and_privileged_role_administrators_and_owners_may_manage_a_role_assignable_group() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    let olga = f.user("olga");
    f.owner(tier0, olga);
    let global = f.admin("gaby", GlobalAdministrator);
    let privileged = f.admin("pria", PrivilegedRoleAdministrator);
    for caller in [global, privileged, olga] {
        assert!(manage_as(&f, caller, tier0).is_ok());
    }
}

#[test]
fn p2_other_administrators_may_not_manage_a_role_assignable_group() {
    let mut f = Fixture::new();
    let tier0 = f.role_assignable_group("Tier 0");
    for role in [
        GroupsAdministrator,
        UserAdministrator,
        DirectoryWriters,
        IdentityGovernanceAdministrator,
        ExchangeAdministrator,
        HelpdeskAdministrator,
    ] {
        let admin = f.admin(role.display_name(), role);
        let violation = manage_as(&f, admin, tier0).unwrap_err();
        assert_eq!(
            violation.code,
            ErrorCode::AuthorizationRequestDenied,
            "{role:?}"
        );
        assert_eq!(violation.rule, Some(Rule::P2));
    }
}

#[test]
fn p2_group_managing_administrators_and_owners_may_manage_other_groups() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let olga = f.user("olga");
    f.owner(finance, olga);
    assert!(manage_as(&f, olga, finance).is_ok());
    for role in P2_GROUP_MANAGERS {
        let admin = f.admin(role.display_name(), role);
        assert!(manage_as(&f, admin, finance).is_ok(), "{role:?}");
    }
}

#[test]
fn p2_exchange_and_helpdesk_administrators_may_not_manage_a_group() {
    let mut f = Fixture::new();
    let sales = f.microsoft365_group("Sales");
    for role in [ExchangeAdministrator, HelpdeskAdministrator] {
        let admin = f.admin(role.display_name(), role);
        let violation = manage_as(&f, admin, sales).unwrap_err();
        assert_eq!(
            violation.code,
            ErrorCode::AuthorizationRequestDenied,
            "{role:?}"
        );
    }
}

#[test]
fn p2_roles_scoped_to_an_administrative_unit_do_not_count() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let unit = f.unit("Finance unit", &[finance.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    let violation = manage_as(&f, gus, finance).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.rule, Some(Rule::P2));
    assert!(discovered(&f, gus, false).is_empty());
}

#[test]
fn p2_a_role_held_through_a_role_assignable_group_counts() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let admins = f.role_assignable_group("Group admins");
    f.grant(admins, GroupsAdministrator);
    let gus = f.user("gus");
    f.member(admins, gus);
    manage_as(&f, gus, finance).unwrap();
}

#[test]
fn p2_managing_a_managed_group_again_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let violation = manage_as(&f, admin, finance).unwrap_err();
    assert_eq!(violation.code, ErrorCode::GroupAlreadyManaged);
    assert_eq!(violation.rule, Some(Rule::P2));
}

#[test]
fn p2_managing_an_unknown_group_is_not_found() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let nowhere = GroupId(f.fresh_id());
    let violation = manage_as(&f, admin, nowhere).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ResourceNotFound);
}

// P3: not manageable.

#[test]
fn p3_a_dynamic_group_cannot_be_managed_and_the_error_says_why() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let sales = f.dynamic_group("Sales");
    let violation = manage_as(&f, admin, sales).unwrap_err();
    assert_eq!(violation.code, ErrorCode::GroupNotManageable);
    assert_eq!(violation.rule, Some(Rule::P3));
    assert!(
        violation.message.contains("dynamic") && violation.message.contains("membership rule"),
        "{}",
        violation.message
    );
}

#[test]
fn p3_a_synced_group_cannot_be_managed_and_the_error_says_why() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let onprem = f.synced_group("On-premises staff");
    let violation = manage_as(&f, admin, onprem).unwrap_err();
    assert_eq!(violation.code, ErrorCode::GroupNotManageable);
    assert_eq!(violation.rule, Some(Rule::P3));
    assert!(
        violation.message.contains("external directory"),
        "{}",
        violation.message
    );
}

#[test]
fn p3_a_cloud_group_with_fixed_members_is_manageable() {
    let mut f = Fixture::new();
    let finance = f.group("Finance");
    let sales = f.dynamic_group("Sales");
    let onprem = f.synced_group("On-premises staff");
    assert_eq!(why_not_manageable(&f.state.groups[&finance]), None);
    assert!(why_not_manageable(&f.state.groups[&sales]).is_some());
    assert!(why_not_manageable(&f.state.groups[&onprem]).is_some());
}

#[test]
fn p3_a_managed_group_cannot_become_dynamic() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let patch = GroupPatch {
        membership_rule: Some(Some("user.department -eq \"Finance\"".into())),
        ..GroupPatch::default()
    };
    let violation = update_group(&f.state, &f.context(admin, t0()), finance, patch).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::P3));
    assert_eq!(violation.field, Some("membershipRule"));
}

// P4: no way back.

#[test]
fn p4_no_group_update_takes_a_group_out_of_management() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    f.managed(finance);
    let patch = GroupPatch {
        display_name: Some("Finance team".into()),
        description: Some(Some("Everything about money".into())),
        membership_rule: Some(None),
        ..GroupPatch::default()
    };
    let (decision, group) =
        update_group(&f.state, &f.context(admin, t0()), finance, patch).unwrap();
    assert!(group.is_managed());
    f.commit(decision);
    assert_eq!(f.state.groups[&finance].managed_since, Some(t0() - days(1)));
}

// P6: two default policies on onboarding.

#[test]
fn p6_managing_a_group_creates_a_member_and_an_owner_policy_with_the_defaults() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let decision = manage_as(&f, admin, finance).unwrap();
    let groups = decision.groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].managed_since, Some(t0()));
    let policies = decision.policies();
    assert_eq!(policies.len(), 2);
    let mut accesses: Vec<Access> = policies.iter().map(|p| p.access).collect();
    accesses.sort();
    assert_eq!(accesses, vec![Access::Member, Access::Owner]);
    for policy in &policies {
        assert_eq!(policy.group_id, finance);
        assert_eq!(policy.settings, PolicySettings::default());
        assert_eq!(policy.modified_by, None);
    }
    assert_ne!(policies[0].id, policies[1].id);
    assert_eq!(decision.actions(), vec!["group.manage"]);

    f.commit(decision);
    assert!(f.state.groups[&finance].is_managed());
    assert!(f.state.policies.contains_key(&(finance, Access::Member)));
    assert!(f.state.policies.contains_key(&(finance, Access::Owner)));
}

#[test]
fn p6_a_managed_group_is_listed_as_managed_and_no_longer_discovered() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let decision = manage_as(&f, admin, finance).unwrap();
    f.commit(decision);
    assert!(discovered(&f, admin, false).is_empty());
    assert_eq!(discovered(&f, admin, true), vec![finance]);
}
