//! Role schedule requests (SPEC D5, D6, A2, A3, A7, A8, V1, V2, V5, V6, V8 on directory roles).

use chrono::{DateTime, TimeDelta, Utc};

use super::*;
use crate::directory::BuiltInRole;
use crate::directory::BuiltInRole::*;
use crate::duration::IsoDuration;
use crate::ids::{GroupId, PrincipalId, UserId};
use crate::request::{Expiration, RequestedSchedule};
use crate::rules::fixture::*;
use crate::rules::role_activation::ROLE_ACTIVATION_MAXIMUM;
use crate::spec::Rule;
use crate::state::HeldRole;
use crate::violation::PolicyRule;

struct Setup {
    f: Fixture,
    /// A Privileged Role Administrator.
    admin: UserId,
    alice: UserId,
    bob: UserId,
    /// "Tier 0 Office Admins": role-assignable, alice and bob are active members.
    tier0: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.admin("pria", PrivilegedRoleAdministrator);
    let alice = f.user("alice");
    let bob = f.user("bob");
    let tier0 = f.role_assignable_group("Tier 0 Office Admins");
    f.member(tier0, alice);
    f.member(tier0, bob);
    Setup {
        f,
        admin,
        alice,
        bob,
        tier0,
    }
}

/// A request for `role` at the whole directory: 30 days for administrators' actions, 2 hours for
/// an activation, none for removals; always with a justification.
fn input(
    action: RequestAction,
    kind: ScheduleKind,
    principal: impl Into<PrincipalId>,
    role: BuiltInRole,
) -> RoleRequestInput {
    let length = if action == RequestAction::SelfActivate {
        IsoDuration::hours(2)
    } else {
        IsoDuration::days(30)
    };
    RoleRequestInput {
        kind,
        action,
        principal_id: principal.into(),
        target: RoleAtScope {
            role,
            scope: DirectoryScope::Directory,
        },
        schedule: action.needs_schedule().then_some(RequestedSchedule {
            start: None,
            expiration: Expiration::AfterDuration(length),
        }),
        justification: Some(JUSTIFICATION.into()),
        ticket: None,
        is_validation_only: false,
    }
}

fn eligible(principal: impl Into<PrincipalId>, role: BuiltInRole) -> RoleRequestInput {
    input(
        RequestAction::AdminAssign,
        ScheduleKind::Eligible,
        principal,
        role,
    )
}

fn active(principal: impl Into<PrincipalId>, role: BuiltInRole) -> RoleRequestInput {
    input(
        RequestAction::AdminAssign,
        ScheduleKind::Active,
        principal,
        role,
    )
}

fn activate(user: UserId, role: BuiltInRole) -> RoleRequestInput {
    input(
        RequestAction::SelfActivate,
        ScheduleKind::Active,
        user,
        role,
    )
}

fn lasting(mut input: RoleRequestInput, length: TimeDelta) -> RoleRequestInput {
    input.schedule = Some(RequestedSchedule {
        start: None,
        expiration: Expiration::AfterDuration(IsoDuration::from_delta(length)),
    });
    input
}

fn decide(
    f: &Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    input: RoleRequestInput,
) -> Result<(Decision, RoleScheduleRequest), Violation> {
    role_request(&f.state, &f.context(caller, now), input)
}

fn refused(f: &Fixture, caller: UserId, now: DateTime<Utc>, input: RoleRequestInput) -> Violation {
    decide(f, caller, now, input).expect_err("the request should be refused")
}

/// Decides and commits; panics if refused.
fn commit(
    f: &mut Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    input: RoleRequestInput,
) -> RoleScheduleRequest {
    let (decision, request) = decide(f, caller, now, input).expect("the request should succeed");
    f.commit(decision);
    request
}

fn roles(f: &Fixture, user: UserId, at: DateTime<Utc>) -> Vec<BuiltInRole> {
    let mut roles: Vec<BuiltInRole> = f.state.roles_of(user, at).iter().map(|h| h.role).collect();
    roles.sort();
    roles
}

fn target(f: &Fixture, request: &RoleScheduleRequest) -> RoleAssignment {
    let id = request.target_schedule_id.expect("a target");
    f.state.role_assignments[&id].clone()
}

#[test]
fn d5_an_administrator_assigns_an_active_time_bound_role_that_ends_on_time() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let request = commit(&mut f, admin, t0(), active(alice, ExchangeAdministrator));
    assert_eq!(request.status, RequestStatus::Provisioned);
    let assignment = target(&f, &request);
    assert!(!assignment.eligible && !assignment.activated);
    assert_eq!(assignment.created_using, Some(request.id));
    assert_eq!(assignment.member_type, MemberType::Direct);
    assert_eq!(roles(&f, alice, t0()), [ExchangeAdministrator]);
    assert!(roles(&f, alice, t0() + days(30)).is_empty());
}

#[test]
fn d5_a_permanent_role_assignment_is_allowed() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let mut permanent = eligible(alice, HelpdeskAdministrator);
    permanent.schedule = Some(RequestedSchedule {
        start: None,
        expiration: Expiration::NoExpiration,
    });
    let request = commit(&mut f, admin, t0(), permanent);
    assert_eq!(target(&f, &request).window.end, None);
}

#[test]
fn d5_only_global_and_privileged_role_administrators_make_role_requests() {
    let Setup { mut f, alice, .. } = setup();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let violation = refused(
        &f,
        groups_admin,
        t0(),
        eligible(alice, ExchangeAdministrator),
    );
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    let global = f.admin("gaby", GlobalAdministrator);
    assert!(decide(&f, global, t0(), eligible(alice, ExchangeAdministrator)).is_ok());
}

#[test]
fn d5_a_group_that_is_not_role_assignable_cannot_hold_a_role() {
    let Setup { mut f, admin, .. } = setup();
    let sales = f.group("Sales");
    let violation = refused(&f, admin, t0(), eligible(sales, ExchangeAdministrator));
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(
        (violation.rule, violation.field),
        (Some(Rule::D5), Some("principalId"))
    );
}

#[test]
fn d5_an_unknown_principal_is_not_found() {
    let Setup { f, admin, .. } = setup();
    let nobody = PrincipalId(uuid::Uuid::from_u128(999_999));
    let violation = refused(&f, admin, t0(), eligible(nobody, ExchangeAdministrator));
    assert_eq!(violation.code, ErrorCode::SubjectNotFound);
}

#[test]
fn d5_the_scope_is_the_directory_or_an_existing_administrative_unit() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let europe = f.unit("Europe", &[alice.0]);
    let mut in_unit = active(alice, HelpdeskAdministrator);
    in_unit.target.scope = DirectoryScope::AdministrativeUnit(europe);
    let request = commit(&mut f, admin, t0(), in_unit.clone());
    assert_eq!(target(&f, &request).scope, in_unit.target.scope);

    in_unit.target.scope = DirectoryScope::AdministrativeUnit(crate::ids::AdministrativeUnitId(
        uuid::Uuid::from_u128(999_999),
    ));
    let violation = refused(&f, admin, t0(), in_unit);
    assert_eq!(violation.field, Some("directoryScopeId"));
}

#[test]
fn d5_an_eligible_role_assignment_grants_nothing_until_activated() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    assert!(roles(&f, alice, t0()).is_empty());
    commit(&mut f, alice, t0(), activate(alice, ExchangeAdministrator));
    assert_eq!(roles(&f, alice, t0()), [ExchangeAdministrator]);
}

#[test]
fn d6_members_of_a_group_holding_roles_hold_them_all_while_members() {
    let Setup {
        mut f,
        admin,
        alice,
        tier0,
        ..
    } = setup();
    for role in [
        ExchangeAdministrator,
        HelpdeskAdministrator,
        UserAdministrator,
    ] {
        commit(&mut f, admin, t0(), active(tier0, role));
    }
    let held = f.state.roles_of(alice, t0());
    assert_eq!(held.len(), 3);
    assert!(held.iter().all(|h: &HeldRole| h.via_group == Some(tier0)));
    let carol = f.user("carol");
    assert!(roles(&f, carol, t0()).is_empty());
}

#[test]
fn d6_an_eligible_role_of_a_group_grants_its_members_nothing_until_one_activates() {
    let Setup {
        mut f,
        admin,
        alice,
        bob,
        tier0,
    } = setup();
    commit(&mut f, admin, t0(), eligible(tier0, ExchangeAdministrator));
    assert!(roles(&f, alice, t0()).is_empty());
    assert!(roles(&f, bob, t0()).is_empty());
}

#[test]
fn a2_a_role_assignment_shorter_than_five_minutes_is_refused() {
    let Setup {
        f, admin, alice, ..
    } = setup();
    let short = lasting(active(alice, ExchangeAdministrator), minutes(4));
    let violation = refused(&f, admin, t0(), short);
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::A2));
}

#[test]
fn a3_a_role_assignment_is_not_removed_within_five_minutes_then_is() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), active(alice, ExchangeAdministrator));
    let removal = input(
        RequestAction::AdminRemove,
        ScheduleKind::Active,
        alice,
        ExchangeAdministrator,
    );
    let violation = refused(&f, admin, t0() + minutes(4), removal.clone());
    assert_eq!(
        (violation.code, violation.rule),
        (ErrorCode::ActiveDurationTooShort, Some(Rule::A3))
    );
    let (decision, request) = decide(&f, admin, t0() + minutes(5), removal).unwrap();
    assert_eq!(decision.actions(), ["roleRequest.adminRemove"]);
    f.commit(decision);
    assert_eq!(request.status, RequestStatus::Revoked);
    assert_eq!(target(&f, &request).status_at(t0() + minutes(6)), "Revoked");
    assert!(roles(&f, alice, t0() + minutes(5)).is_empty());
}

#[test]
fn a7_removing_a_role_assignment_that_does_not_exist_is_refused() {
    let Setup {
        f, admin, alice, ..
    } = setup();
    let removal = input(
        RequestAction::AdminRemove,
        ScheduleKind::Eligible,
        alice,
        ExchangeAdministrator,
    );
    let violation = refused(&f, admin, t0(), removal);
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn a7_admin_extend_replaces_the_role_assignment_with_a_later_end() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let first = commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let mut extend = eligible(alice, ExchangeAdministrator);
    extend.action = RequestAction::AdminExtend;
    extend.schedule = Some(RequestedSchedule {
        start: None,
        expiration: Expiration::AfterDuration(IsoDuration::days(60)),
    });
    let second = commit(&mut f, admin, t0() + days(1), extend.clone());
    assert_eq!(target(&f, &first).removed_at, Some(t0() + days(1)));
    let replaced = target(&f, &second);
    assert_eq!(replaced.window.start, t0());
    assert_eq!(replaced.window.end, Some(t0() + days(60)));

    extend.schedule = Some(RequestedSchedule {
        start: None,
        expiration: Expiration::AfterDuration(IsoDuration::days(10)),
    });
    let violation = refused(&f, admin, t0() + days(2), extend);
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
}

#[test]
fn a8_an_overlapping_role_assignment_of_the_same_kind_is_refused() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let violation = refused(&f, admin, t0(), eligible(alice, ExchangeAdministrator));
    assert_eq!(
        (violation.code, violation.rule),
        (ErrorCode::RoleAssignmentExists, Some(Rule::A8))
    );
    // Another kind, role or scope is another assignment.
    commit(&mut f, admin, t0(), active(alice, ExchangeAdministrator));
    commit(&mut f, admin, t0(), eligible(alice, HelpdeskAdministrator));
}

#[test]
fn v1_an_eligible_user_activates_a_role_for_at_most_eight_hours_by_default() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let mut default_length = activate(alice, ExchangeAdministrator);
    default_length.schedule = None;
    let (decision, request) = decide(&f, alice, t0(), default_length).unwrap();
    assert_eq!(decision.actions(), ["roleRequest.selfActivate"]);
    f.commit(decision);
    let activation = target(&f, &request);
    assert!(activation.activated && !activation.eligible);
    assert_eq!(activation.window.end, Some(t0() + ROLE_ACTIVATION_MAXIMUM));
    assert!(roles(&f, alice, t0() + hours(8)).is_empty());
}

#[test]
fn v1_a_role_activation_longer_than_eight_hours_is_refused() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let long = lasting(activate(alice, ExchangeAdministrator), hours(9));
    let violation = refused(&f, alice, t0(), long);
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert!(violation.message.contains("ExpirationRule"));
}

#[test]
fn v1_a_role_activation_never_outlasts_its_eligibility() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let short_eligibility = lasting(eligible(alice, ExchangeAdministrator), hours(1));
    commit(&mut f, admin, t0(), short_eligibility);
    let request = commit(
        &mut f,
        alice,
        t0() + minutes(10),
        activate(alice, ExchangeAdministrator),
    );
    assert_eq!(target(&f, &request).window.end, Some(t0() + hours(1)));
}

#[test]
fn v1_without_eligibility_role_activation_fails_the_eligibility_rule() {
    let Setup { f, alice, .. } = setup();
    let violation = refused(&f, alice, t0(), activate(alice, ExchangeAdministrator));
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert!(violation
        .message
        .contains(PolicyRule::EligibilityRule.as_str()));
}

#[test]
fn v1_a_user_activates_roles_for_themselves_only() {
    let Setup {
        mut f,
        admin,
        alice,
        bob,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let violation = refused(&f, bob, t0(), activate(alice, ExchangeAdministrator));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    let mut on_eligibility = activate(alice, ExchangeAdministrator);
    on_eligibility.kind = ScheduleKind::Eligible;
    assert_eq!(
        refused(&f, alice, t0(), on_eligibility).code,
        ErrorCode::BadRequest
    );
}

#[test]
fn v2_a_role_activation_without_justification_fails_the_justification_rule() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let mut unjustified = activate(alice, ExchangeAdministrator);
    unjustified.justification = Some("  ".into());
    let violation = refused(&f, alice, t0(), unjustified);
    assert!(violation.message.contains("JustificationRule"));
    assert_eq!(violation.rule, Some(Rule::V2));
}

#[test]
fn v2_a_validation_only_role_request_changes_nothing() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    let mut check = activate(alice, ExchangeAdministrator);
    check.is_validation_only = true;
    let (decision, request) = decide(&f, alice, t0(), check).unwrap();
    assert_eq!(request.status, RequestStatus::Granted);
    assert!(decision.changes.is_empty() && decision.audit.is_empty());
}

#[test]
fn v5_a_role_deactivation_is_refused_within_five_minutes_then_ends_the_role() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    commit(&mut f, alice, t0(), activate(alice, ExchangeAdministrator));
    let deactivation = input(
        RequestAction::SelfDeactivate,
        ScheduleKind::Active,
        alice,
        ExchangeAdministrator,
    );
    let violation = refused(&f, alice, t0() + minutes(4), deactivation.clone());
    assert_eq!(
        (violation.code, violation.rule),
        (ErrorCode::ActiveDurationTooShort, Some(Rule::V5))
    );
    let request = commit(&mut f, alice, t0() + minutes(5), deactivation.clone());
    assert_eq!(request.status, RequestStatus::Revoked);
    assert!(roles(&f, alice, t0() + minutes(5)).is_empty());
    let again = refused(&f, alice, t0() + minutes(6), deactivation);
    assert_eq!(again.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn v6_a_member_of_an_eligible_group_activates_the_role_for_themselves_alone() {
    let Setup {
        mut f,
        admin,
        alice,
        bob,
        tier0,
    } = setup();
    commit(&mut f, admin, t0(), eligible(tier0, ExchangeAdministrator));
    let request = commit(&mut f, alice, t0(), activate(alice, ExchangeAdministrator));
    let activation = target(&f, &request);
    assert_eq!(activation.principal_id, alice.into());
    assert_eq!(activation.member_type, MemberType::Group);
    assert_eq!(roles(&f, alice, t0()), [ExchangeAdministrator]);
    assert!(roles(&f, bob, t0()).is_empty());
    assert!(roles(&f, alice, t0() + hours(2)).is_empty());
}

#[test]
fn v6_a_user_outside_the_eligible_group_cannot_activate_its_role() {
    let Setup {
        mut f,
        admin,
        tier0,
        ..
    } = setup();
    let carol = f.user("carol");
    commit(&mut f, admin, t0(), eligible(tier0, ExchangeAdministrator));
    let violation = refused(&f, carol, t0(), activate(carol, ExchangeAdministrator));
    assert!(violation.message.contains("EligibilityRule"));
}

#[test]
fn v8_activating_a_role_already_held_is_refused() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    commit(&mut f, admin, t0(), eligible(alice, ExchangeAdministrator));
    commit(&mut f, alice, t0(), activate(alice, ExchangeAdministrator));
    let violation = refused(
        &f,
        alice,
        t0() + minutes(1),
        activate(alice, ExchangeAdministrator),
    );
    assert_eq!(
        (violation.code, violation.rule),
        (ErrorCode::RoleAssignmentExists, Some(Rule::V8))
    );
}
