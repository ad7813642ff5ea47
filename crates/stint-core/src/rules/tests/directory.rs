//! Directory changes outside PIM (SPEC D1–D5, D7, D8, P5, A1).

use crate::directory::BuiltInRole::{self, *};
use crate::directory::{DirectoryScope, GroupKind, GroupSource, PasswordHash};
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::request::RequestStatus;
use crate::rules::directory::{
    add_direct, create_group, create_role_assignment, create_user, delete_group, remove_direct,
    update_group, update_user, GroupPatch, NewGroup, NewUser, UserPatch,
};
use crate::rules::fixture::*;
use crate::schedule::{Access, AssignmentType, EndReason, MemberType, ScheduleKind, Window};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

/// The roles D7 lets manage the members of a group that is not role-assignable.
const GROUP_MANAGERS: [BuiltInRole; 6] = [
    GlobalAdministrator,
    PrivilegedRoleAdministrator,
    GroupsAdministrator,
    UserAdministrator,
    DirectoryWriters,
    IdentityGovernanceAdministrator,
];

fn add_member(
    f: &Fixture,
    caller: UserId,
    group: GroupId,
    principal: impl Into<PrincipalId>,
) -> Result<Decision, Violation> {
    add_direct(
        &f.state,
        &f.context(caller, t0()),
        group,
        principal.into(),
        Access::Member,
    )
}

fn assert_forbidden(violation: &Violation, rule: Rule) {
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.code.http_status(), 403);
    assert_eq!(violation.rule, Some(rule));
}

// D1: users.

fn new_user(name: &str) -> NewUser {
    NewUser {
        user_principal_name: name.into(),
        display_name: "Alice".into(),
        account_enabled: true,
        password_hash: PasswordHash("$argon2id$new".into()),
        mail: None,
    }
}

#[test]
fn d1_a_user_is_created_with_a_fresh_id_and_one_audit_event() {
    let mut f = Fixture::new();
    let admin = f.admin("uma", UserAdministrator);
    let (decision, user) = create_user(
        &f.state,
        &f.context(admin, t0()),
        new_user("alice@contoso.test"),
    )
    .unwrap();
    assert_eq!(decision.users(), vec![&user]);
    assert!(!f.state.users.contains_key(&user.id));
    assert_eq!(user.created_at, t0());
    assert_eq!(decision.actions(), vec!["user.create"]);
}

#[test]
fn d1_a_user_name_taken_in_another_case_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    f.user("alice");
    let violation = create_user(
        &f.state,
        &f.context(admin, t0()),
        new_user("ALICE@Contoso.Test"),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::ObjectConflict);
    assert_eq!(violation.rule, Some(Rule::D1));
    assert_eq!(violation.field, Some("userPrincipalName"));
}

#[test]
fn f7_a_user_name_equal_after_nfkc_and_case_folding_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let name = f.state.users[&alice].user_principal_name.clone();
    let fullwidth: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' => char::from_u32(u32::from(c) - u32::from('a') + 0xFF21).unwrap_or(c),
            other => other,
        })
        .collect();
    let violation =
        create_user(&f.state, &f.context(admin, t0()), new_user(&fullwidth)).expect_err(&fullwidth);
    assert_eq!(violation.code, ErrorCode::ObjectConflict);
    assert_eq!(violation.field, Some("userPrincipalName"));
    assert_eq!(f.state.user_by_name(&fullwidth).map(|u| u.id), Some(alice));
}

#[test]
fn f7_names_with_controls_or_bidirectional_overrides_are_refused_naming_the_field() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let ctx = f.context(admin, t0());
    let mut bad_upn = new_user("al\u{202E}ice@contoso.test");
    bad_upn.user_principal_name = "al\u{202E}ice@contoso.test".into();
    let violation = create_user(&f.state, &ctx, bad_upn).unwrap_err();
    assert_eq!(violation.field, Some("userPrincipalName"));
    let mut bad_display = new_user("bob@contoso.test");
    bad_display.display_name = "Bob\0".into();
    let violation = create_user(&f.state, &ctx, bad_display).unwrap_err();
    assert_eq!(violation.field, Some("displayName"));
    let violation = create_group(&f.state, &ctx, new_group("Fin\u{2066}ance", false)).unwrap_err();
    assert_eq!(violation.field, Some("displayName"));
    let group = f.group("Finance");
    let ctx = f.context(admin, t0());
    let patch = GroupPatch {
        display_name: Some("Fin\u{200F}ance".into()),
        ..GroupPatch::default()
    };
    let violation = update_group(&f.state, &ctx, group, patch).unwrap_err();
    assert_eq!(violation.field, Some("displayName"));
    let alice = f.user("alice");
    let ctx = f.context(admin, t0());
    let patch = UserPatch {
        display_name: Some("Alice\u{1b}[31m".into()),
        ..UserPatch::default()
    };
    let violation = update_user(&f.state, &ctx, alice, patch).unwrap_err();
    assert_eq!(violation.field, Some("displayName"));
    assert_eq!(violation.code.http_status(), 400);
}

#[test]
fn f4_disabling_a_user_or_resetting_their_password_revokes_all_their_tokens() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let bob = f.user("bob");
    let token = |user: UserId, text: &str| crate::auth::AccessToken {
        hash: crate::auth::TokenHash::of(text),
        user_id: user,
        issued_at: t0(),
        expires_at: t0() + chrono::TimeDelta::hours(1),
        mfa_at: None,
    };
    f.commit(
        Decision::new()
            .change(crate::Change::Token(token(alice, "a1")))
            .change(crate::Change::Token(token(alice, "a2")))
            .change(crate::Change::Token(token(bob, "b1"))),
    );
    let revoked = |decision: &Decision| {
        let mut hashes: Vec<_> = decision
            .changes
            .iter()
            .filter_map(|change| match change {
                crate::Change::TokenRevoked(hash) => Some(hash.clone()),
                _ => None,
            })
            .collect();
        hashes.sort();
        hashes
    };
    let mut alices = vec![
        crate::auth::TokenHash::of("a1"),
        crate::auth::TokenHash::of("a2"),
    ];
    alices.sort();
    let ctx = f.context(admin, t0());
    for patch in [
        UserPatch {
            account_enabled: Some(false),
            ..UserPatch::default()
        },
        UserPatch {
            password_hash: Some(PasswordHash("$argon2id$reset".into())),
            ..UserPatch::default()
        },
    ] {
        let (decision, _) = update_user(&f.state, &ctx, alice, patch).unwrap();
        assert_eq!(revoked(&decision), alices);
    }
    let rename = UserPatch {
        display_name: Some("Alice B.".into()),
        account_enabled: Some(true),
        ..UserPatch::default()
    };
    let (decision, _) = update_user(&f.state, &ctx, alice, rename).unwrap();
    assert!(revoked(&decision).is_empty());
}

#[test]
fn d1_a_disabled_administrator_can_no_longer_manage_a_group() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let group = f.group("Finance");
    f.disable(admin);
    let violation = add_member(&f, admin, group, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

// D2: isAssignableToRole is fixed at creation.

#[test]
fn d2_is_assignable_to_role_cannot_be_turned_on_by_update() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let group = f.group("Finance");
    let patch = GroupPatch {
        is_assignable_to_role: Some(true),
        ..GroupPatch::default()
    };
    let violation = update_group(&f.state, &f.context(admin, t0()), group, patch).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::D2));
    assert_eq!(violation.field, Some("isAssignableToRole"));
}

#[test]
fn d2_is_assignable_to_role_cannot_be_turned_off_by_update() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    let patch = GroupPatch {
        is_assignable_to_role: Some(false),
        ..GroupPatch::default()
    };
    let violation = update_group(&f.state, &f.context(admin, t0()), tier0, patch).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::D2));
}

#[test]
fn d2_an_update_that_repeats_is_assignable_to_role_is_accepted() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    let patch = GroupPatch {
        display_name: Some("Tier zero".into()),
        is_assignable_to_role: Some(true),
        ..GroupPatch::default()
    };
    let (decision, group) = update_group(&f.state, &f.context(admin, t0()), tier0, patch).unwrap();
    assert_eq!(group.display_name, "Tier zero");
    assert!(group.is_assignable_to_role);
    assert_eq!(decision.actions(), vec!["group.update"]);
}

#[test]
fn d2_a_role_assignable_group_cannot_have_a_membership_rule() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let input = NewGroup {
        membership_rule: Some("user.department -eq \"IT\"".into()),
        ..new_group("Tier 0", true)
    };
    let violation = create_group(&f.state, &f.context(admin, t0()), input).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::D2));
    assert_eq!(violation.field, Some("membershipRule"));
}

// D3: the role-assignable limit.

fn new_group(name: &str, role_assignable: bool) -> NewGroup {
    NewGroup {
        display_name: name.into(),
        description: None,
        kind: GroupKind::Security,
        is_assignable_to_role: role_assignable,
        membership_rule: None,
        source: GroupSource::Cloud,
    }
}

fn create(f: &Fixture, caller: UserId, input: NewGroup) -> Result<Decision, Violation> {
    create_group(&f.state, &f.context(caller, t0()), input).map(|(decision, _)| decision)
}

#[test]
fn d3_the_501st_role_assignable_group_is_refused_and_nothing_is_created() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    for n in 0..500 {
        f.role_assignable_group(&format!("Tier {n}"));
    }
    let violation = create(&f, admin, new_group("One too many", true)).unwrap_err();
    assert_eq!(violation.code, ErrorCode::RoleAssignableGroupLimitReached);
    assert_eq!(violation.rule, Some(Rule::D3));
    assert_eq!(violation.field, Some("isAssignableToRole"));
    assert!(violation.message.contains("500"), "{}", violation.message);
    assert_eq!(f.state.role_assignable_group_count(), 500);
}

#[test]
fn d3_the_500th_role_assignable_group_is_accepted() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    for n in 0..499 {
        f.role_assignable_group(&format!("Tier {n}"));
    }
    let decision = create(&f, admin, new_group("The last one", true)).unwrap();
    let groups = decision.groups();
    assert_eq!(groups.len(), 1);
    assert!(groups[0].is_assignable_to_role);
    assert_eq!(decision.actions(), vec!["group.create"]);
}

#[test]
fn d3_the_limit_is_the_tenant_setting() {
    let mut f = Fixture::with_role_assignable_limit(2);
    let admin = f.admin("gaby", GlobalAdministrator);
    f.role_assignable_group("Tier 0");
    create(&f, admin, new_group("Tier 1", true)).unwrap();
    f.role_assignable_group("Tier 1");
    let violation = create(&f, admin, new_group("Tier 2", true)).unwrap_err();
    assert_eq!(violation.code, ErrorCode::RoleAssignableGroupLimitReached);
    assert!(violation.message.contains('2'), "{}", violation.message);
}

#[test]
fn d3_groups_that_are_not_role_assignable_do_not_count() {
    let mut f = Fixture::with_role_assignable_limit(1);
    let admin = f.admin("gaby", GlobalAdministrator);
    for n in 0..10 {
        f.group(&format!("Team {n}"));
    }
    create(&f, admin, new_group("Tier 0", true)).unwrap();
}

#[test]
fn d3_a_group_that_is_not_role_assignable_can_be_created_at_the_limit() {
    let mut f = Fixture::with_role_assignable_limit(1);
    let admin = f.admin("gaby", GlobalAdministrator);
    f.role_assignable_group("Tier 0");
    create(&f, admin, new_group("Team", false)).unwrap();
}

#[test]
fn d3_deleted_role_assignable_groups_do_not_count() {
    let mut f = Fixture::with_role_assignable_limit(1);
    let admin = f.admin("gaby", GlobalAdministrator);
    let old = f.role_assignable_group("Old tier 0");
    let deletion = delete_group(&f.state, &f.context(admin, t0()), old).unwrap();
    f.commit(deletion);
    create(&f, admin, new_group("Tier 0", true)).unwrap();
}

// D4: nesting, through the groups API.

#[test]
fn d4_a_group_cannot_be_added_as_member_of_a_role_assignable_group() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    let helpers = f.group("Helpers");
    let violation = add_member(&f, admin, tier0, helpers).unwrap_err();
    assert_eq!(violation.code, ErrorCode::GroupNestingNotAllowed);
    assert_eq!(violation.rule, Some(Rule::D4));
}

#[test]
fn d4_a_group_can_be_added_as_member_of_a_group_that_is_not_role_assignable() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let helpers = f.group("Helpers");
    let decision = add_member(&f, admin, finance, helpers).unwrap();
    assert_eq!(decision.schedules()[0].principal_id, helpers.into());
}

#[test]
fn d4_a_membership_cycle_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let a = f.group("A");
    let b = f.group("B");
    let a_in_b = add_member(&f, admin, b, a).unwrap();
    f.commit(a_in_b);
    let violation = add_member(&f, admin, a, b).unwrap_err();
    assert_eq!(violation.code, ErrorCode::MembershipCycle);
    assert_eq!(violation.rule, Some(Rule::D4));
}

#[test]
fn d4_a_longer_membership_cycle_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let a = f.group("A");
    let b = f.group("B");
    let c = f.group("C");
    f.member(b, a);
    f.member(c, b);
    let violation = add_member(&f, admin, a, c).unwrap_err();
    assert_eq!(violation.code, ErrorCode::MembershipCycle);
}

#[test]
fn d4_a_group_cannot_be_a_member_of_itself() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let a = f.group("A");
    let violation = add_member(&f, admin, a, a).unwrap_err();
    assert_eq!(violation.code, ErrorCode::MembershipCycle);
}

#[test]
fn d4_an_eligible_membership_counts_towards_a_cycle() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let a = f.group("A");
    let b = f.group("B");
    f.eligible_member(b, a);
    let violation = add_member(&f, admin, a, b).unwrap_err();
    assert_eq!(violation.code, ErrorCode::MembershipCycle);
}

// A1: owners are users.

#[test]
fn a1_a_group_cannot_be_added_as_owner() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let finance = f.group("Finance");
    let helpers = f.group("Helpers");
    let violation = add_direct(
        &f.state,
        &f.context(admin, t0()),
        finance,
        helpers.into(),
        Access::Owner,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::A1));
    assert_eq!(violation.field, Some("principalId"));
}

// D5: directory roles.

fn assign_role(
    f: &Fixture,
    caller: UserId,
    principal: impl Into<PrincipalId>,
    role: BuiltInRole,
    scope: DirectoryScope,
) -> Result<Decision, Violation> {
    create_role_assignment(
        &f.state,
        &f.context(caller, t0()),
        principal.into(),
        role,
        scope,
    )
    .map(|(decision, _)| decision)
}

#[test]
fn d5_only_role_assignable_groups_can_be_assigned_a_role() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let team = f.group("Team");
    let violation = assign_role(
        &f,
        admin,
        team,
        ExchangeAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::D5));
    assert_eq!(violation.field, Some("principalId"));
}

#[test]
fn d5_a_role_assignable_group_can_be_assigned_a_role_for_the_whole_directory() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    let decision = assign_role(
        &f,
        admin,
        tier0,
        ExchangeAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap();
    let assignments = decision.role_assignments();
    assert_eq!(assignments.len(), 1);
    let assignment = assignments[0];
    assert_eq!(assignment.principal_id, tier0.into());
    assert_eq!(assignment.role, ExchangeAdministrator);
    assert_eq!(assignment.scope.to_string(), "/");
    assert!(!assignment.eligible);
    assert_eq!(assignment.window, Window::permanent_from(t0()));
    assert_eq!(decision.actions(), vec!["roleAssignment.create"]);
}

#[test]
fn d5_a_user_can_be_assigned_a_role_scoped_to_an_administrative_unit() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let unit = f.unit("Paris", &[]);
    let scope = DirectoryScope::AdministrativeUnit(unit);
    let decision = assign_role(&f, admin, alice, HelpdeskAdministrator, scope).unwrap();
    let assignment = decision.role_assignments()[0];
    assert_eq!(assignment.scope, scope);
    assert_eq!(
        assignment.scope.to_string(),
        format!("/administrativeUnits/{unit}")
    );
}

#[test]
fn d5_a_role_scoped_to_an_unknown_administrative_unit_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let nowhere = crate::ids::AdministrativeUnitId(f.fresh_id());
    let violation = assign_role(
        &f,
        admin,
        alice,
        HelpdeskAdministrator,
        DirectoryScope::AdministrativeUnit(nowhere),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.field, Some("directoryScopeId"));
}

#[test]
fn d5_a_role_for_an_unknown_principal_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let nobody = UserId(f.fresh_id());
    let violation = assign_role(
        &f,
        admin,
        nobody,
        HelpdeskAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::SubjectNotFound);
}

#[test]
fn d5_the_same_role_at_the_same_scope_twice_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.admin("alice", HelpdeskAdministrator);
    let violation = assign_role(
        &f,
        admin,
        alice,
        HelpdeskAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
}

#[test]
fn d5_only_global_and_privileged_role_administrators_assign_roles() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let pra = f.admin("pria", PrivilegedRoleAdministrator);
    assign_role(
        &f,
        pra,
        alice,
        HelpdeskAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let violation = assign_role(
        &f,
        groups_admin,
        alice,
        HelpdeskAdministrator,
        DirectoryScope::Directory,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

// D7: direct group management.

#[test]
fn d7_each_group_managing_role_may_add_members_to_a_group_that_is_not_role_assignable() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    for role in GROUP_MANAGERS {
        let admin = f.admin(role.display_name(), role);
        assert!(
            add_member(&f, admin, finance, alice).is_ok(),
            "{role:?} may add members"
        );
    }
}

#[test]
fn d7_helpdesk_administrator_may_not_add_members() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let violation = add_member(&f, helpdesk, finance, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_authentication_administrator_may_not_add_members() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let auth_admin = f.admin("ada", AuthenticationAdministrator);
    let violation = add_member(&f, auth_admin, finance, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_a_user_without_a_role_may_not_add_members() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let bob = f.user("bob");
    let finance = f.group("Finance");
    let violation = add_member(&f, bob, finance, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_an_owner_may_add_members_to_a_group_that_is_not_role_assignable() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let olga = f.user("olga");
    let finance = f.group("Finance");
    f.owner(finance, olga);
    add_member(&f, olga, finance, alice).unwrap();
}

#[test]
fn d7_global_and_privileged_role_administrators_may_add_members_to_a_role_assignable_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    for role in [GlobalAdministrator, PrivilegedRoleAdministrator] {
        let admin = f.admin(role.display_name(), role);
        assert!(
            add_member(&f, admin, tier0, alice).is_ok(),
            "{role:?} may add members"
        );
    }
}

#[test]
fn d7_an_owner_may_add_members_to_a_role_assignable_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.owner(tier0, olga);
    add_member(&f, olga, tier0, alice).unwrap();
}

#[test]
fn d7_other_group_managing_roles_may_not_add_members_to_a_role_assignable_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    for role in [
        GroupsAdministrator,
        UserAdministrator,
        DirectoryWriters,
        IdentityGovernanceAdministrator,
        ExchangeAdministrator,
    ] {
        let admin = f.admin(role.display_name(), role);
        let violation = add_member(&f, admin, tier0, alice).unwrap_err();
        assert_eq!(
            violation.code,
            ErrorCode::AuthorizationRequestDenied,
            "{role:?}"
        );
    }
}

#[test]
fn d7_exchange_administrator_may_add_members_to_a_microsoft365_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let sales = f.microsoft365_group("Sales");
    let exchange = f.admin("ed", ExchangeAdministrator);
    add_member(&f, exchange, sales, alice).unwrap();
}

#[test]
fn d7_exchange_administrator_may_not_add_members_to_a_security_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let exchange = f.admin("ed", ExchangeAdministrator);
    let violation = add_member(&f, exchange, finance, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_exchange_administrator_may_not_add_members_to_a_role_assignable_microsoft365_group() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let office = f.group_like("Tier 0 Office", |group| {
        group.kind = GroupKind::Microsoft365;
        group.is_assignable_to_role = true;
    });
    let exchange = f.admin("ed", ExchangeAdministrator);
    let violation = add_member(&f, exchange, office, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_a_unit_scoped_groups_administrator_may_manage_a_group_in_their_unit() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let paris = f.group("Paris office");
    let unit = f.unit("Paris", &[paris.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    add_member(&f, gus, paris, alice).unwrap();
}

#[test]
fn d7_a_unit_scoped_groups_administrator_may_not_manage_a_group_outside_their_unit() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let paris = f.group("Paris office");
    let lyon = f.group("Lyon office");
    let unit = f.unit("Paris", &[paris.0]);
    let gus = f.user("gus");
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    let violation = add_member(&f, gus, lyon, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn d7_a_direct_add_is_an_active_permanent_direct_schedule() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let decision = add_member(&f, admin, finance, alice).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    let schedule = schedules[0];
    assert_eq!(schedule.group_id(), finance);
    assert_eq!(schedule.access(), Access::Member);
    assert_eq!(schedule.principal_id, alice.into());
    assert_eq!(schedule.kind, ScheduleKind::Active);
    assert_eq!(schedule.window, Window::permanent_from(t0()));
    assert_eq!(schedule.member_type, MemberType::Direct);
    assert_eq!(schedule.assignment_type, AssignmentType::Assigned);
    assert_eq!(schedule.created_using, None);
    assert_eq!(decision.actions(), vec!["group.member.add"]);

    f.commit(decision);
    assert!(f
        .state
        .direct_holders(finance, Access::Member, t0())
        .contains(&alice.into()));
    assert!(f
        .state
        .is_effective_member(alice.into(), finance, t0() + days(3650)));
}

#[test]
fn d7_a_direct_owner_add_makes_an_owner() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let decision = add_direct(
        &f.state,
        &f.context(admin, t0()),
        finance,
        alice.into(),
        Access::Owner,
    )
    .unwrap();
    assert_eq!(decision.actions(), vec!["group.owner.add"]);
    f.commit(decision);
    assert!(f.state.is_owner(alice, finance, t0()));
}

#[test]
fn d7_adding_a_member_twice_is_refused() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.member(finance, alice);
    let violation = add_member(&f, admin, finance, alice).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ObjectConflict);
}

#[test]
fn d7_a_direct_removal_ends_the_membership_now() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let membership = f.member(finance, alice);
    let decision = remove_direct(
        &f.state,
        &f.context(admin, t0()),
        finance,
        alice.into(),
        Access::Member,
    )
    .unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].id, membership);
    let ended = schedules[0].ended.expect("ended");
    assert_eq!((ended.at, ended.reason), (t0(), EndReason::Removed));
    assert_eq!(decision.actions(), vec!["group.member.remove"]);
    f.commit(decision);
    assert!(!f.state.is_effective_member(alice.into(), finance, t0()));
    assert_eq!(f.schedule_of(membership).status_at(t0()), "Revoked");
}

#[test]
fn d7_removing_someone_who_is_not_a_member_is_not_found() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    let violation = remove_direct(
        &f.state,
        &f.context(admin, t0()),
        finance,
        alice.into(),
        Access::Member,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::ResourceNotFound);
}

// D8: credential protection.

fn reset_password(f: &Fixture, caller: UserId, target: UserId) -> Result<Decision, Violation> {
    let patch = UserPatch {
        password_hash: Some(PasswordHash("$argon2id$reset".into())),
        ..UserPatch::default()
    };
    update_user(&f.state, &f.context(caller, t0()), target, patch).map(|(decision, _)| decision)
}

#[test]
fn d8_helpdesk_may_reset_the_password_of_an_ordinary_user() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let alice = f.user("alice");
    let decision = reset_password(&f, helpdesk, alice).unwrap();
    let users = decision.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].id, alice);
    assert_eq!(
        users[0].password_hash,
        PasswordHash("$argon2id$reset".into())
    );
    assert_eq!(decision.actions(), vec!["user.update"]);
}

#[test]
fn d8_authentication_and_user_administrators_may_reset_the_password_of_an_ordinary_user() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    for role in [AuthenticationAdministrator, UserAdministrator] {
        let admin = f.admin(role.display_name(), role);
        assert!(reset_password(&f, admin, alice).is_ok(), "{role:?}");
    }
}

#[test]
fn d8_groups_administrator_may_not_reset_passwords() {
    let mut f = Fixture::new();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let alice = f.user("alice");
    let violation = reset_password(&f, groups_admin, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn d8_helpdesk_may_not_reset_the_password_of_an_active_member_of_a_role_assignable_group() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.member(tier0, alice);
    let violation = reset_password(&f, helpdesk, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn d8_helpdesk_may_not_reset_the_password_of_an_owner_of_a_role_assignable_group() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.owner(tier0, olga);
    let violation = reset_password(&f, helpdesk, olga).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn d8_helpdesk_may_not_reset_the_password_of_a_role_holder() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let writer = f.admin("wendy", DirectoryWriters);
    let violation = reset_password(&f, helpdesk, writer).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn d8_user_administrator_may_not_reset_the_password_of_a_protected_user() {
    let mut f = Fixture::new();
    let user_admin = f.admin("uma", UserAdministrator);
    let global = f.admin("gaby", GlobalAdministrator);
    let violation = reset_password(&f, user_admin, global).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn f2_an_eligible_member_of_a_role_assignable_group_is_protected() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.grant(tier0, ExchangeAdministrator);
    f.eligible_member(tier0, alice);
    let violation = reset_password(&f, helpdesk, alice).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

#[test]
fn d8_an_active_member_of_a_group_that_is_not_role_assignable_is_not_protected() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let alice = f.user("alice");
    let finance = f.group("Finance");
    f.member(finance, alice);
    reset_password(&f, helpdesk, alice).unwrap();
}

#[test]
fn d8_a_member_whose_activation_has_ended_is_no_longer_protected() {
    let mut f = Fixture::new();
    let helpdesk = f.admin("hal", HelpdeskAdministrator);
    let alice = f.user("alice");
    let tier0 = f.role_assignable_group("Tier 0");
    f.schedule(
        tier0,
        alice,
        Access::Member,
        ScheduleKind::Active,
        window(t0() - hours(9), t0() - hours(1)),
    );
    reset_password(&f, helpdesk, alice).unwrap();
}

#[test]
fn d8_global_and_privileged_role_administrators_may_always_reset_a_password() {
    let mut f = Fixture::new();
    let alice = f.admin("alice", GlobalAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    f.owner(tier0, alice);
    f.member(tier0, alice);
    for role in [GlobalAdministrator, PrivilegedRoleAdministrator] {
        let admin = f.admin(role.display_name(), role);
        assert!(reset_password(&f, admin, alice).is_ok(), "{role:?}");
    }
}

#[test]
fn d8_a_unit_scoped_helpdesk_administrator_may_reset_an_ordinary_user_in_their_unit_only() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let bob = f.user("bob");
    let unit = f.unit("Paris", &[alice.0]);
    let hal = f.user("hal");
    f.grant_in_unit(hal, HelpdeskAdministrator, unit);
    reset_password(&f, hal, alice).unwrap();
    let violation = reset_password(&f, hal, bob).unwrap_err();
    assert_forbidden(&violation, Rule::D8);
}

// P5: deleted groups.

struct Deleted {
    f: Fixture,
    decision: Decision,
    group: GroupId,
}

/// A managed role-assignable group holding a role, with an open eligibility, a direct member,
/// a future assignment, an expired one and a pending request, deleted at `t0`.
fn deleted_group() -> Deleted {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let bob = f.user("bob");
    let carol = f.user("carol");
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    f.grant(tier0, ExchangeAdministrator);
    f.eligible_member(tier0, alice);
    f.member(tier0, bob);
    f.schedule(
        tier0,
        carol,
        Access::Owner,
        ScheduleKind::Active,
        window(t0() + days(1), t0() + days(2)),
    );
    f.schedule(
        tier0,
        carol,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(40), t0() - days(10)),
    );
    f.pending_request(tier0, alice, Access::Member);
    let decision = delete_group(&f.state, &f.context(admin, t0()), tier0).unwrap();
    Deleted {
        f,
        decision,
        group: tier0,
    }
}

#[test]
fn p5_a_deleted_group_is_no_longer_managed() {
    let Deleted {
        mut f,
        decision,
        group,
    } = deleted_group();
    let groups = decision.groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].deleted_at, Some(t0()));
    assert_eq!(decision.actions()[0], "group.delete");
    f.commit(decision);
    assert!(!f.state.groups[&group].is_managed());
    assert!(f.state.live_group(group).is_none());
}

#[test]
fn p5_deleting_a_group_ends_each_of_its_open_schedules_with_an_audit_event() {
    let Deleted { f, decision, group } = deleted_group();
    let ended = decision.schedules();
    let open = f
        .state
        .schedules_of_group(group)
        .filter(|s| s.is_open_at(t0()))
        .count();
    assert_eq!(open, 3);
    assert_eq!(ended.len(), 3);
    for schedule in &ended {
        let end = schedule.ended.expect("ended");
        assert_eq!((end.at, end.reason), (t0(), EndReason::GroupDeleted));
        assert!(decision
            .audit
            .iter()
            .any(|event| event.action == "schedule.end"
                && event.target_id == schedule.id.to_string()
                && event.principal_id == Some(schedule.principal_id)));
    }
    assert_eq!(
        decision
            .actions()
            .iter()
            .filter(|a| **a == "schedule.end")
            .count(),
        3
    );
}

#[test]
fn p5_deleting_a_group_cancels_its_pending_requests_with_an_audit_event() {
    let Deleted { decision, .. } = deleted_group();
    let requests = decision.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, RequestStatus::Canceled);
    assert_eq!(requests[0].completed_at, Some(t0()));
    let events: Vec<_> = decision
        .audit
        .iter()
        .filter(|event| event.action == "request.cancel")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target_id, requests[0].id.to_string());
}

#[test]
fn p5_deleting_a_group_removes_its_role_assignments_with_an_audit_event() {
    let Deleted {
        mut f,
        decision,
        group,
    } = deleted_group();
    let assignments = decision.role_assignments();
    assert_eq!(assignments.len(), 1);
    assert_eq!(assignments[0].principal_id, group.into());
    assert_eq!(assignments[0].removed_at, Some(t0()));
    let events: Vec<_> = decision
        .audit
        .iter()
        .filter(|event| event.action == "roleAssignment.delete")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target_id, assignments[0].id.to_string());
    f.commit(decision);
    assert!(f
        .state
        .role_assignments
        .values()
        .filter(|a| a.principal_id == group.into())
        .all(|a| !a.is_active_at(t0())));
}

#[test]
fn p5_after_deletion_nobody_holds_anything_in_the_group() {
    let Deleted {
        mut f,
        decision,
        group,
    } = deleted_group();
    let bob = f.state.user_by_name("bob@contoso.test").expect("bob").id;
    assert!(f.state.is_effective_member(bob.into(), group, t0()));
    assert!(!f.state.roles_of(bob, t0()).is_empty());
    f.commit(decision);
    assert!(!f.state.is_effective_member(bob.into(), group, t0()));
    assert!(f.state.roles_of(bob, t0()).is_empty());
    assert!(f
        .state
        .schedules_of_group(group)
        .all(|s| !s.is_open_at(t0() + days(1))));
}

#[test]
fn p5_only_a_group_manager_may_delete_a_group() {
    let mut f = Fixture::new();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    let violation = delete_group(&f.state, &f.context(groups_admin, t0()), tier0).unwrap_err();
    assert_forbidden(&violation, Rule::D7);
}

#[test]
fn n2_a_user_s_mail_is_kept_when_it_is_an_address_and_refused_naming_the_field_otherwise() {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let ctx = f.context(admin, t0());
    let with_mail = |mail: &str| NewUser {
        mail: Some(mail.into()),
        ..new_user("alice@contoso.test")
    };
    let (_, user) = create_user(&f.state, &ctx, with_mail("alice@contoso.test")).expect("created");
    assert_eq!(user.mail.as_deref(), Some("alice@contoso.test"));
    for bad in [
        "alice",
        "alice@",
        "@contoso.test",
        "a b@contoso.test",
        "a@b@contoso.test",
        "alice@contoso.test\r\nBcc: x@y.z",
    ] {
        let violation = create_user(&f.state, &ctx, with_mail(bad)).expect_err(bad);
        assert_eq!(violation.field, Some("mail"), "{bad}");
    }
    let patch = UserPatch {
        mail: Some(Some("not an address".into())),
        ..UserPatch::default()
    };
    let refused = update_user(&f.state, &ctx, admin, patch).expect_err("refused");
    assert_eq!(refused.field, Some("mail"));
}
