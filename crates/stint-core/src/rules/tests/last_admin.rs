//! Issue 14 item 8, ADR 0008: the last permanent Global Administrator is never taken away, and
//! `recover_admin` brings one back.

use super::*;
use crate::directory::BuiltInRole::GlobalAdministrator;
use crate::duration::IsoDuration;
use crate::request::{Expiration, RequestAction, RequestedSchedule};
use crate::role_request::RoleAtScope;
use crate::rules::directory::UserPatch;
use crate::rules::directory::{delete_group, delete_role_assignment, remove_direct, update_user};
use crate::rules::fixture::*;
use crate::rules::roles::{role_request, RoleRequestInput};
use crate::rules::scheduler::tick;

struct Setup {
    f: Fixture,
    admin: UserId,
    assignment: RoleAssignmentId,
}

/// `admin` holds Global Administrator permanently, and nobody else does.
fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.user("admin");
    let assignment = f.grant(admin, GlobalAdministrator);
    Setup {
        f,
        admin,
        assignment,
    }
}

fn now() -> DateTime<Utc> {
    t0()
}

fn refused(f: &Fixture, decision: &Decision) -> bool {
    match guard(&f.state, decision, now()) {
        Ok(()) => false,
        Err(violation) => {
            assert_eq!(violation.code, ErrorCode::LastGlobalAdministrator);
            assert_eq!(violation.code.http_status(), 409);
            true
        }
    }
}

fn ga_request(
    action: RequestAction,
    principal: UserId,
    end: Option<Expiration>,
) -> RoleRequestInput {
    RoleRequestInput {
        kind: ScheduleKind::Active,
        action,
        principal_id: principal.into(),
        target: RoleAtScope {
            role: GlobalAdministrator,
            scope: DirectoryScope::Directory,
        },
        schedule: end.map(|expiration| RequestedSchedule {
            start: None,
            expiration,
        }),
        justification: Some("Issue 14".into()),
        ticket: None,
        is_validation_only: false,
    }
}

#[test]
fn last_global_administrator_deleting_their_role_assignment_is_refused() {
    let Setup {
        f,
        admin,
        assignment,
    } = setup();
    let ctx = f.context(admin, now());
    let decision = delete_role_assignment(&f.state, &ctx, assignment).unwrap();
    assert!(refused(&f, &decision));
}

#[test]
fn last_global_administrator_can_be_removed_once_another_holds_it_permanently() {
    let Setup {
        mut f,
        admin,
        assignment,
    } = setup();
    let carol = f.user("carol");
    f.grant(carol, GlobalAdministrator);
    let ctx = f.context(admin, now());
    let decision = delete_role_assignment(&f.state, &ctx, assignment).unwrap();
    assert!(!refused(&f, &decision));
}

#[test]
fn last_global_administrator_a_disabled_or_time_bound_second_one_does_not_count() {
    let Setup {
        mut f,
        admin,
        assignment,
    } = setup();
    let disabled = f.user("disabled");
    f.grant(disabled, GlobalAdministrator);
    f.disable(disabled);
    let temporary = f.user("temporary");
    let held = f.grant(temporary, GlobalAdministrator);
    let mut bounded = f.state.role_assignments[&held].clone();
    bounded.window.end = Some(now() + days(1));
    f.state.apply(Change::RoleAssignment(bounded));
    let ctx = f.context(admin, now());
    let decision = delete_role_assignment(&f.state, &ctx, assignment).unwrap();
    assert!(refused(&f, &decision));
}

#[test]
fn last_global_administrator_disabling_them_is_refused() {
    let Setup { f, admin, .. } = setup();
    let ctx = f.context(admin, now());
    let patch = UserPatch {
        account_enabled: Some(false),
        ..UserPatch::default()
    };
    let (decision, _) = update_user(&f.state, &ctx, admin, patch).unwrap();
    assert!(refused(&f, &decision));
    let rename = UserPatch {
        display_name: Some("Root".into()),
        ..UserPatch::default()
    };
    let (decision, _) = update_user(&f.state, &ctx, admin, rename).unwrap();
    assert!(
        !refused(&f, &decision),
        "other changes of the user go through"
    );
}

#[test]
fn last_global_administrator_admin_remove_is_refused() {
    let Setup { f, admin, .. } = setup();
    let ctx = f.context(admin, now());
    let input = ga_request(RequestAction::AdminRemove, admin, None);
    let (decision, _) = role_request(&f.state, &ctx, input).unwrap();
    assert!(refused(&f, &decision));
}

#[test]
fn last_global_administrator_made_time_bound_by_admin_update_is_refused() {
    let Setup { f, admin, .. } = setup();
    let ctx = f.context(admin, now());
    let input = ga_request(
        RequestAction::AdminUpdate,
        admin,
        Some(Expiration::AfterDuration(IsoDuration::days(30))),
    );
    let (decision, _) = role_request(&f.state, &ctx, input).unwrap();
    assert!(
        refused(&f, &decision),
        "it would expire in 30 days with nobody left"
    );
}

#[test]
fn last_global_administrator_self_deactivate_of_an_activation_goes_through_while_admin_stays() {
    let Setup { mut f, .. } = setup();
    let alice = f.user("alice");
    let held = f.grant(alice, GlobalAdministrator);
    let mut activation = f.state.role_assignments[&held].clone();
    activation.window = window(now() - hours(1), now() + hours(1));
    activation.activated = true;
    f.state.apply(Change::RoleAssignment(activation.clone()));
    let mut ended = activation;
    ended.removed_at = Some(now());
    let decision = Decision::new().change(Change::RoleAssignment(ended));
    assert!(!refused(&f, &decision));
}

struct GroupSetup {
    f: Fixture,
    bob: UserId,
    tier0: GroupId,
}

/// Only bob holds Global Administrator, through his permanent membership of role-assignable
/// Tier0; carol (a Groups Administrator... any caller with the rights) manages the group.
fn through_group() -> GroupSetup {
    let mut f = Fixture::new();
    let bob = f.user("bob");
    let tier0 = f.role_assignable_group("Tier0");
    f.grant(tier0, GlobalAdministrator);
    f.member(tier0, bob);
    GroupSetup { f, bob, tier0 }
}

#[test]
fn last_global_administrator_removing_the_last_member_of_a_group_holding_it_is_refused() {
    let GroupSetup { f, bob, tier0 } = through_group();
    let ctx = f.context(bob, now());
    let decision = remove_direct(&f.state, &ctx, tier0, bob.into(), Access::Member).unwrap();
    assert!(refused(&f, &decision));
}

#[test]
fn last_global_administrator_deleting_the_group_holding_it_is_refused() {
    let GroupSetup { f, bob, tier0 } = through_group();
    let ctx = f.context(bob, now());
    let decision = delete_group(&f.state, &ctx, tier0).unwrap();
    assert!(refused(&f, &decision));
}

#[test]
fn last_global_administrator_removing_one_of_two_members_goes_through() {
    let GroupSetup { mut f, bob, tier0 } = through_group();
    let dave = f.user("dave");
    f.member(tier0, dave);
    let ctx = f.context(bob, now());
    let decision = remove_direct(&f.state, &ctx, tier0, bob.into(), Access::Member).unwrap();
    assert!(!refused(&f, &decision));
}

#[test]
fn last_global_administrator_a_tenant_without_one_is_not_held_to_it() {
    let mut f = Fixture::new();
    let admin = f.user("admin");
    let held = f.grant(admin, GlobalAdministrator);
    let mut bounded = f.state.role_assignments[&held].clone();
    bounded.window.end = Some(now() + days(1));
    f.state.apply(Change::RoleAssignment(bounded));
    let ctx = f.context(admin, now());
    let decision = delete_role_assignment(&f.state, &ctx, held).unwrap();
    assert!(!refused(&f, &decision), "nothing permanent to protect");
}

#[test]
fn last_global_administrator_the_scheduler_never_ends_a_permanent_one() {
    let Setup { f, .. } = setup();
    let later = now() + days(10_000);
    let decision = tick(&f.state, later, || f.fresh_id());
    assert!(has_permanent_global_administrator(&f.state, later));
    assert!(!refused(&f, &decision));
}

fn recovery(name: &str) -> Recovery {
    Recovery {
        user_principal_name: name.into(),
        password_hash: PasswordHash("$argon2id$v=19$m=19456,t=2,p=1$new".into()),
        operator: "recover-admin on host test".into(),
    }
}

#[test]
fn recover_admin_re_enables_the_user_and_gives_back_the_role() {
    let Setup {
        mut f,
        admin,
        assignment,
    } = setup();
    let mut removed = f.state.role_assignments[&assignment].clone();
    removed.removed_at = Some(now() - hours(1));
    f.state.apply(Change::RoleAssignment(removed));
    f.disable(admin);
    assert!(!has_permanent_global_administrator(&f.state, now()));
    let name = f.state.users[&admin].user_principal_name.clone();

    let (decision, user) =
        recover_admin(&f.state, now(), || f.fresh_id(), recovery(&name)).unwrap();
    assert_eq!(user.id, admin);
    let event = &decision.audit[0];
    assert_eq!(event.action, "admin.recovered");
    assert_eq!(event.actor, None);
    assert!(!event.message.contains("argon2"), "{}", event.message);
    f.commit(decision);
    assert!(f.state.users[&admin].account_enabled);
    assert_eq!(
        f.state.users[&admin].password_hash,
        recovery(&name).password_hash
    );
    assert!(has_permanent_global_administrator(&f.state, now()));
}

#[test]
fn recover_admin_creates_a_missing_user_and_adds_no_second_assignment_to_a_holder() {
    let Setup { mut f, .. } = setup();
    let (decision, user) =
        recover_admin(&f.state, now(), || f.fresh_id(), recovery("rescue")).unwrap();
    f.commit(decision);
    assert_eq!(f.state.user_by_name("rescue").map(|u| u.id), Some(user.id));
    let (again, _) = recover_admin(&f.state, now(), || f.fresh_id(), recovery("rescue")).unwrap();
    assert!(
        !again
            .changes
            .iter()
            .any(|change| matches!(change, Change::RoleAssignment(_))),
        "already a permanent Global Administrator"
    );
}

#[test]
fn recover_admin_needs_a_tenant() {
    let state = State::default();
    let error = recover_admin(&state, now(), Uuid::nil, recovery("admin")).unwrap_err();
    assert_eq!(error.code, ErrorCode::BadRequest);
}
