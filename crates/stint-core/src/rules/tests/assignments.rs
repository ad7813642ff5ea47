//! Assignments made by administrators (SPEC A1–A10, D4, P3, P4, P6, V2's `isValidationOnly`).

use chrono::{DateTime, Utc};

use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, ScheduleId, UserId};
use crate::policy::PolicySettings;
use crate::request::{
    Expiration, RequestAction, RequestStatus, RequestedSchedule, ScheduleRequest,
};
use crate::rules::assignment::resolve_window;
use crate::rules::assignments::{admin_request, RequestInput};
use crate::rules::fixture::*;
use crate::schedule::{Access, EndReason, MemberType, ScheduleKind, Window};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

struct Setup {
    f: Fixture,
    /// A Global Administrator.
    admin: UserId,
    alice: UserId,
    /// A managed security group, not role-assignable.
    group: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let group = f.group("Finance");
    f.managed(group);
    Setup {
        f,
        admin,
        alice,
        group,
    }
}

fn decide(
    f: &Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    input: RequestInput,
) -> Result<(Decision, ScheduleRequest), Violation> {
    admin_request(&f.state, &f.context(caller, now), input)
}

fn refused(f: &Fixture, caller: UserId, now: DateTime<Utc>, input: RequestInput) -> Violation {
    decide(f, caller, now, input).expect_err("the request should be refused")
}

/// Decides `input` and commits it; panics if it is refused.
fn commit(
    f: &mut Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    input: RequestInput,
) -> ScheduleRequest {
    let (decision, request) = decide(f, caller, now, input).expect("the request should succeed");
    f.commit(decision);
    request
}

/// The schedule a committed request created.
fn target(request: &ScheduleRequest) -> ScheduleId {
    request.target_schedule_id.expect("a target schedule")
}

fn assert_policy_failed(violation: &Violation, rule: &str, spec: Rule) {
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert!(
        violation.message.contains(rule),
        "{} should name {rule}",
        violation.message
    );
    assert_eq!(violation.rule, Some(spec));
}

// A1: shape.

#[test]
fn a1_a_group_cannot_be_assigned_as_owner() {
    let Setup {
        mut f,
        admin,
        group,
        ..
    } = setup();
    let team = f.group("Team");
    let violation = refused(
        &f,
        admin,
        t0(),
        eligible(group, team).for_access(Access::Owner),
    );
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.rule, Some(Rule::A1));
    assert_eq!(violation.field, Some("principalId"));
}

#[test]
fn a1_a_user_can_be_assigned_as_owner() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) = decide(
        &f,
        admin,
        t0(),
        eligible(group, alice).for_access(Access::Owner),
    )
    .unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].access(), Access::Owner);
    assert_eq!(schedules[0].principal_id, alice.into());
}

#[test]
fn a1_an_assignment_records_its_group_principal_access_kind_and_window() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, request) = decide(&f, admin, t0(), eligible(group, alice)).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    let schedule = schedules[0];
    assert_eq!(schedule.group_id(), group);
    assert_eq!(schedule.principal_id, alice.into());
    assert_eq!(schedule.access(), Access::Member);
    assert_eq!(schedule.kind, ScheduleKind::Eligible);
    assert_eq!(schedule.member_type, MemberType::Direct);
    assert_eq!(schedule.window, window(t0(), t0() + days(30)));
    assert_eq!(schedule.created_using, Some(request.id));
    assert_eq!(request.status, RequestStatus::Provisioned);
    assert_eq!(request.target_schedule_id, Some(schedule.id));
    assert_eq!(decision.requests(), vec![&request]);
    assert_eq!(decision.actions(), vec!["request.adminAssign"]);
    let event = &decision.audit[0];
    assert_eq!(event.actor, Some(admin));
    assert_eq!(event.group_id, Some(group));
    assert_eq!(event.principal_id, Some(alice.into()));
    assert_eq!(event.justification.as_deref(), Some(JUSTIFICATION));
    assert_eq!(event.target_id, request.id.to_string());
}

#[test]
fn a1_after_duration_ends_that_long_after_the_start() {
    let Setup { alice, group, .. } = setup();
    let input = eligible(group, alice)
        .starting(t0() + hours(1))
        .lasting(hours(8));
    let resolved = resolve_window(&input, t0(), t0()).unwrap();
    assert_eq!(resolved, window(t0() + hours(1), t0() + hours(9)));
}

#[test]
fn a1_no_expiration_is_a_permanent_window() {
    let Setup { alice, group, .. } = setup();
    let resolved = resolve_window(&eligible(group, alice).permanent(), t0(), t0()).unwrap();
    assert_eq!(resolved, Window::permanent_from(t0()));
}

#[test]
fn a1_after_date_time_before_the_start_is_refused_naming_the_field() {
    let Setup { alice, group, .. } = setup();
    let input = eligible(group, alice)
        .starting(t0() + days(2))
        .until(t0() + days(1));
    let violation = resolve_window(&input, t0(), t0()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("scheduleInfo.expiration.endDateTime"));
}

#[test]
fn a1_after_date_time_equal_to_the_start_is_refused_naming_the_field() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), eligible(group, alice).until(t0()));
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("scheduleInfo.expiration.endDateTime"));
}

#[test]
fn a1_an_assignment_without_schedule_info_is_refused_naming_the_field() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), eligible(group, alice).without_schedule());
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("scheduleInfo"));
}

#[test]
fn a1_an_assignment_of_an_unknown_principal_is_refused() {
    let Setup {
        f, admin, group, ..
    } = setup();
    let nobody = UserId(f.fresh_id());
    let violation = refused(&f, admin, t0(), eligible(group, nobody));
    assert_eq!(violation.code, ErrorCode::SubjectNotFound);
    assert_eq!(violation.field, Some("principalId"));
}

#[test]
fn a1_an_assignment_in_an_unknown_group_is_refused() {
    let Setup {
        f, admin, alice, ..
    } = setup();
    let nowhere = GroupId(f.fresh_id());
    let violation = refused(&f, admin, t0(), eligible(nowhere, alice));
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("groupId"));
}

// A2: minimum length.

#[test]
fn a2_assignment_shorter_than_five_minutes_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), eligible(group, alice).lasting(minutes(4)));
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::A2));
}

#[test]
fn a2_active_assignment_ending_four_minutes_after_its_start_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let input = active(group, alice)
        .starting(t0() + hours(1))
        .until(t0() + hours(1) + minutes(4));
    let violation = refused(&f, admin, t0(), input);
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::A2));
}

#[test]
fn a2_assignment_of_exactly_five_minutes_is_accepted() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) =
        decide(&f, admin, t0(), eligible(group, alice).lasting(minutes(5))).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].window, window(t0(), t0() + minutes(5)));
    assert_eq!(decision.actions(), vec!["request.adminAssign"]);
}

// A3: no early removal.

fn removal(group: GroupId, user: UserId) -> RequestInput {
    eligible(group, user).with_action(RequestAction::AdminRemove)
}

#[test]
fn a3_removal_within_five_minutes_of_creation_is_rejected() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let violation = refused(&f, admin, t0() + minutes(4), removal(group, alice));
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::A3));
}

#[test]
fn a3_removal_after_five_minutes_ends_the_schedule_now_as_removed() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let now = t0() + minutes(5);
    let (decision, request) = decide(&f, admin, now, removal(group, alice)).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    let ended = schedules[0];
    assert_eq!(ended.id, target(&assigned));
    let end = ended.ended.expect("the schedule is ended");
    assert_eq!(end.at, now);
    assert_eq!(end.reason, EndReason::Removed);
    assert_eq!(ended.effective_window(), window(t0(), now));
    assert_eq!(request.status, RequestStatus::Revoked);
    assert_eq!(request.target_schedule_id, Some(ended.id));
    assert_eq!(decision.actions(), vec!["request.adminRemove"]);
}

#[test]
fn a3_an_active_assignment_cannot_be_removed_within_five_minutes_either() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), active(group, alice));
    let input = active(group, alice).with_action(RequestAction::AdminRemove);
    let now = t0() + minutes(4) + seconds(59);
    let violation = refused(&f, admin, now, input);
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::A3));
}

// A4: expiry rules.

#[test]
fn a4_permanent_eligible_assignment_is_rejected_naming_expiration_rule() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), eligible(group, alice).permanent());
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
}

#[test]
fn a4_permanent_active_assignment_is_rejected_naming_expiration_rule() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), active(group, alice).permanent());
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
}

#[test]
fn a4_assignment_without_an_expiration_type_counts_as_permanent() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let mut input = eligible(group, alice);
    input.schedule = Some(RequestedSchedule {
        start: None,
        expiration: Expiration::NotSpecified,
    });
    let violation = refused(&f, admin, t0(), input);
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
}

#[test]
fn a4_eligible_assignment_longer_than_365_days_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let input = eligible(group, alice).lasting(days(365) + minutes(1));
    let violation = refused(&f, admin, t0(), input);
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
}

#[test]
fn a4_eligible_assignment_of_365_days_is_accepted() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) = decide(&f, admin, t0(), eligible(group, alice).lasting(days(365))).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(t0(), t0() + days(365))
    );
}

#[test]
fn a4_active_assignment_longer_than_180_days_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let input = active(group, alice).until(t0() + days(181));
    let violation = refused(&f, admin, t0(), input);
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
}

#[test]
fn a4_active_assignment_of_180_days_is_accepted() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) = decide(&f, admin, t0(), active(group, alice).lasting(days(180))).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].kind, ScheduleKind::Active);
    assert_eq!(schedules[0].window, window(t0(), t0() + days(180)));
}

#[test]
fn a4_the_maximum_counts_from_a_future_start() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let start = t0() + days(10);
    let input = active(group, alice)
        .starting(start)
        .until(start + days(180));
    let (decision, _) = decide(&f, admin, t0(), input).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(start, start + days(180))
    );
}

#[test]
fn a4_permanent_eligible_assignment_is_allowed_when_the_policy_does_not_require_expiration() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    f.policy(group, Access::Member, |settings| {
        settings.eligible_assignment.expiration_required = false;
    });
    let (decision, _) = decide(&f, admin, t0(), eligible(group, alice).permanent()).unwrap();
    assert_eq!(decision.schedules()[0].window, Window::permanent_from(t0()));
}

#[test]
fn a4_permanent_active_assignment_is_allowed_when_the_policy_does_not_require_expiration() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    f.policy(group, Access::Member, |settings| {
        settings.active_assignment.expiration_required = false;
    });
    let (decision, _) = decide(&f, admin, t0(), active(group, alice).permanent()).unwrap();
    assert_eq!(decision.schedules()[0].window, Window::permanent_from(t0()));
}

#[test]
fn a4_the_owner_policy_does_not_govern_member_assignments() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    f.policy(group, Access::Owner, |settings| {
        settings.eligible_assignment.expiration_required = false;
    });
    let violation = refused(&f, admin, t0(), eligible(group, alice).permanent());
    assert_policy_failed(&violation, "ExpirationRule", Rule::A4);
    decide(
        &f,
        admin,
        t0(),
        eligible(group, alice).for_access(Access::Owner).permanent(),
    )
    .unwrap();
}

// A5: active-assignment requirements.

#[test]
fn a5_active_assignment_without_justification_is_rejected_naming_justification_rule() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(
        &f,
        admin,
        t0(),
        active(group, alice).without_justification(),
    );
    assert_policy_failed(&violation, "JustificationRule", Rule::A5);
}

#[test]
fn a5_a_blank_justification_counts_as_none() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let mut input = active(group, alice);
    input.justification = Some("   ".into());
    let violation = refused(&f, admin, t0(), input);
    assert_policy_failed(&violation, "JustificationRule", Rule::A5);
}

#[test]
fn a5_eligible_assignment_needs_no_justification() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) = decide(
        &f,
        admin,
        t0(),
        eligible(group, alice).without_justification(),
    )
    .unwrap();
    assert_eq!(decision.schedules().len(), 1);
}

#[test]
fn a5_active_assignment_without_justification_is_accepted_when_the_policy_does_not_require_one() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    f.policy(group, Access::Member, |settings| {
        settings.active_assignment_requirements.justification = false;
    });
    let (decision, _) = decide(
        &f,
        admin,
        t0(),
        active(group, alice).without_justification(),
    )
    .unwrap();
    assert_eq!(decision.schedules().len(), 1);
}

fn requiring_mfa(f: &mut Fixture, group: GroupId) {
    f.policy(group, Access::Member, |settings| {
        settings.active_assignment_requirements.mfa = true;
    });
}

#[test]
fn a5_active_assignment_without_mfa_is_rejected_naming_mfa_rule() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    requiring_mfa(&mut f, group);
    let violation = refused(&f, admin, t0(), active(group, alice));
    assert_policy_failed(&violation, "MfaRule", Rule::A5);
    assert!(!violation.message.contains("JustificationRule"));
}

#[test]
fn a5_active_assignment_with_fresh_mfa_is_accepted() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    requiring_mfa(&mut f, group);
    let ctx = f
        .context(admin, t0())
        .with_mfa(Some(t0() - minutes(2)), minutes(10));
    let (decision, _) = admin_request(&f.state, &ctx, active(group, alice)).unwrap();
    assert_eq!(decision.schedules().len(), 1);
}

#[test]
fn a5_active_assignment_with_mfa_eleven_minutes_old_is_rejected() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    requiring_mfa(&mut f, group);
    let ctx = f
        .context(admin, t0())
        .with_mfa(Some(t0() - minutes(11)), minutes(10));
    let violation = admin_request(&f.state, &ctx, active(group, alice)).unwrap_err();
    assert_policy_failed(&violation, "MfaRule", Rule::A5);
}

#[test]
fn a5_eligible_assignment_needs_no_mfa() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    requiring_mfa(&mut f, group);
    decide(&f, admin, t0(), eligible(group, alice)).unwrap();
}

#[test]
fn a5_every_missing_requirement_is_named() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    requiring_mfa(&mut f, group);
    let violation = refused(
        &f,
        admin,
        t0(),
        active(group, alice).without_justification(),
    );
    assert_policy_failed(&violation, "JustificationRule", Rule::A5);
    assert!(
        violation.message.contains("MfaRule"),
        "{}",
        violation.message
    );
}

// A6: who may assign, update, remove.

#[test]
fn a6_groups_administrator_may_assign_in_a_group_that_is_not_role_assignable() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let (decision, request) = decide(&f, groups_admin, t0(), eligible(group, alice)).unwrap();
    assert_eq!(decision.schedules().len(), 1);
    assert_eq!(request.created_by, groups_admin);
}

#[test]
fn a6_groups_administrator_may_not_assign_in_a_role_assignable_group() {
    let Setup { mut f, alice, .. } = setup();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    let violation = refused(&f, groups_admin, t0(), eligible(tier0, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.code.http_status(), 403);
}

#[test]
fn a6_owner_of_a_role_assignable_group_may_assign_in_it() {
    let Setup { mut f, alice, .. } = setup();
    let olga = f.user("olga");
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    f.owner(tier0, olga);
    let (decision, _) = decide(&f, olga, t0(), eligible(tier0, alice)).unwrap();
    assert_eq!(decision.schedules().len(), 1);
}

#[test]
fn a6_privileged_role_administrator_may_assign_in_a_role_assignable_group() {
    let Setup { mut f, alice, .. } = setup();
    let pra = f.admin("pria", PrivilegedRoleAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    decide(&f, pra, t0(), eligible(tier0, alice)).unwrap();
}

#[test]
fn a6_a_user_without_a_role_may_not_assign() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    let violation = refused(&f, bob, t0(), eligible(group, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn a6_a_groups_administrator_scoped_to_a_unit_may_not_assign() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let gus = f.user("gus");
    let unit = f.unit("Finance unit", &[group.0, alice.0]);
    f.grant_in_unit(gus, GroupsAdministrator, unit);
    let violation = refused(&f, gus, t0(), eligible(group, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn a6_groups_administrator_may_not_remove_in_a_role_assignable_group() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let groups_admin = f.admin("gus", GroupsAdministrator);
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    commit(&mut f, admin, t0(), eligible(tier0, alice));
    let violation = refused(&f, groups_admin, t0() + hours(1), removal(tier0, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

// A7: actions.

fn acting(action: RequestAction, group: GroupId, user: UserId) -> RequestInput {
    eligible(group, user).with_action(action)
}

#[test]
fn a7_update_of_an_assignment_that_does_not_exist_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(
        &f,
        admin,
        t0(),
        acting(RequestAction::AdminUpdate, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_extend_of_an_assignment_that_does_not_exist_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(
        &f,
        admin,
        t0(),
        acting(RequestAction::AdminExtend, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_removal_of_an_assignment_that_does_not_exist_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(&f, admin, t0(), removal(group, alice));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_renewal_of_an_assignment_that_does_not_exist_is_rejected() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(
        &f,
        admin,
        t0(),
        acting(RequestAction::AdminRenew, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_an_eligible_assignment_does_not_make_an_active_one_exist() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let input = active(group, alice).with_action(RequestAction::AdminRemove);
    let violation = refused(&f, admin, t0() + hours(1), input);
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn a7_extend_creates_a_new_schedule_named_after_the_request_and_supersedes_the_old() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let now = t0() + days(10);
    let input = acting(RequestAction::AdminExtend, group, alice).lasting(days(60));
    let (decision, request) = decide(&f, admin, now, input).unwrap();

    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 2);
    let old = schedules
        .iter()
        .find(|s| s.id == target(&assigned))
        .expect("the old schedule");
    let ended = old.ended.expect("the old schedule is ended");
    assert_eq!((ended.at, ended.reason), (now, EndReason::Superseded));
    let new = schedules
        .iter()
        .find(|s| s.id != target(&assigned))
        .expect("a new schedule");
    assert_eq!(
        new.id,
        ScheduleId {
            group,
            access: Access::Member,
            origin: request.id.0
        }
    );
    assert_eq!(new.created_using, Some(request.id));
    assert_eq!(new.window, window(t0(), t0() + days(60)));
    assert_eq!(new.ended, None);
    assert_eq!(request.target_schedule_id, Some(new.id));
    assert_eq!(request.status, RequestStatus::Provisioned);
    assert_eq!(decision.actions(), vec!["request.adminExtend"]);
}

#[test]
fn a7_an_extension_must_end_later_than_the_assignment() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let input = acting(RequestAction::AdminExtend, group, alice).until(t0() + days(20));
    let violation = refused(&f, admin, t0() + days(10), input);
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_an_extended_assignment_can_be_extended_again() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let extend = |length| acting(RequestAction::AdminExtend, group, alice).lasting(length);
    let first = commit(&mut f, admin, t0() + days(10), extend(days(60)));
    let (decision, second) = decide(&f, admin, t0() + days(20), extend(days(90))).unwrap();
    let superseded = decision
        .schedules()
        .into_iter()
        .find(|s| s.id == target(&first))
        .expect("the first extension is superseded")
        .clone();
    assert_eq!(
        superseded.ended.map(|e| e.reason),
        Some(EndReason::Superseded)
    );
    f.commit(decision);
    assert_eq!(
        f.schedule_of(target(&second)).window,
        window(t0(), t0() + days(90))
    );
}

#[test]
fn a7_update_replaces_the_window_of_an_assignment() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let now = t0() + days(1);
    let input = acting(RequestAction::AdminUpdate, group, alice).until(t0() + days(7));
    let updated = commit(&mut f, admin, now, input);
    assert_eq!(
        f.schedule_of(target(&assigned)).ended.map(|e| e.reason),
        Some(EndReason::Superseded)
    );
    let new = f.schedule_of(target(&updated));
    assert_eq!(new.window, window(t0(), t0() + days(7)));
    assert!(new.is_in_force_at(now));
    assert!(!new.is_in_force_at(t0() + days(7)));
}

fn expired_eligibility(f: &mut Fixture, admin: UserId, group: GroupId, alice: UserId) {
    // Assigned at t0 for 30 days: it ends at t0 + 30 days.
    commit(f, admin, t0(), eligible(group, alice));
}

#[test]
fn a7_renew_works_for_an_assignment_that_ended_within_30_days() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    expired_eligibility(&mut f, admin, group, alice);
    let now = t0() + days(30) + days(29);
    let (decision, request) = decide(
        &f,
        admin,
        now,
        acting(RequestAction::AdminRenew, group, alice),
    )
    .unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].window, window(now, now + days(30)));
    assert_eq!(schedules[0].created_using, Some(request.id));
    assert_eq!(decision.actions(), vec!["request.adminRenew"]);
}

#[test]
fn a7_renew_works_exactly_30_days_after_the_end() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    expired_eligibility(&mut f, admin, group, alice);
    let now = t0() + days(30) + days(30);
    decide(
        &f,
        admin,
        now,
        acting(RequestAction::AdminRenew, group, alice),
    )
    .unwrap();
}

#[test]
fn a7_renew_is_refused_31_days_after_the_end() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    expired_eligibility(&mut f, admin, group, alice);
    let now = t0() + days(30) + days(31);
    let violation = refused(
        &f,
        admin,
        now,
        acting(RequestAction::AdminRenew, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::A7));
}

#[test]
fn a7_renew_works_for_a_removed_assignment() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    commit(&mut f, admin, t0() + days(1), removal(group, alice));
    decide(
        &f,
        admin,
        t0() + days(2),
        acting(RequestAction::AdminRenew, group, alice),
    )
    .unwrap();
}

#[test]
fn a7_an_assignment_still_running_cannot_be_renewed() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let violation = refused(
        &f,
        admin,
        t0() + days(1),
        acting(RequestAction::AdminRenew, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn a7_selfactivate_is_not_an_administrator_action() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let violation = refused(
        &f,
        admin,
        t0(),
        acting(RequestAction::SelfActivate, group, alice),
    );
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.field, Some("action"));
}

// A8: duplicates.

#[test]
fn a8_overlapping_assignment_of_the_same_principal_access_and_kind_is_rejected() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let input = eligible(group, alice).starting(t0() + days(29));
    let violation = refused(&f, admin, t0() + hours(1), input);
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
    assert_eq!(violation.rule, Some(Rule::A8));
}

#[test]
fn a8_a_later_assignment_that_does_not_overlap_is_accepted() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let input = eligible(group, alice).starting(t0() + days(30));
    let (decision, _) = decide(&f, admin, t0() + hours(1), input).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(t0() + days(30), t0() + days(60))
    );
}

#[test]
fn a8_eligible_and_active_assignments_of_the_same_principal_are_independent() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let (decision, _) = decide(&f, admin, t0() + hours(1), active(group, alice)).unwrap();
    assert_eq!(decision.schedules()[0].kind, ScheduleKind::Active);
}

#[test]
fn a8_after_an_extension_an_overlapping_assignment_is_still_rejected() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let extension = acting(RequestAction::AdminExtend, group, alice).lasting(days(60));
    commit(&mut f, admin, t0() + days(10), extension);
    let input = eligible(group, alice).starting(t0() + days(45));
    let violation = refused(&f, admin, t0() + days(11), input);
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
    assert_eq!(violation.rule, Some(Rule::A8));
}

#[test]
fn a8_an_assignment_may_start_right_after_a_removed_one() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    let now = t0() + days(1);
    commit(&mut f, admin, now, removal(group, alice));
    let (decision, _) = decide(&f, admin, now, eligible(group, alice)).unwrap();
    assert_eq!(decision.schedules()[0].window, window(now, now + days(30)));
}

#[test]
fn a8_member_and_owner_assignments_of_the_same_principal_are_independent() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    commit(&mut f, admin, t0(), eligible(group, alice));
    decide(
        &f,
        admin,
        t0() + hours(1),
        eligible(group, alice).for_access(Access::Owner),
    )
    .unwrap();
}

#[test]
fn a8_a_direct_membership_counts_as_an_existing_active_assignment() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    f.member(group, alice);
    let violation = refused(&f, admin, t0(), active(group, alice));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
}

// A9: future start; a past start is now.

#[test]
fn a9_a_future_start_is_kept() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let start = t0() + days(3);
    let (decision, request) =
        decide(&f, admin, t0(), eligible(group, alice).starting(start)).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(start, start + days(30))
    );
    assert_eq!(request.resolved_start, Some(start));
}

#[test]
fn a9_a_start_in_the_past_is_moved_to_now() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let input = eligible(group, alice).starting(t0() - days(2));
    let (decision, request) = decide(&f, admin, t0(), input).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(t0(), t0() + days(30))
    );
    assert_eq!(request.resolved_start, Some(t0()));
    assert_eq!(
        request.schedule.and_then(|s| s.start),
        Some(t0() - days(2)),
        "the request keeps what was asked"
    );
}

#[test]
fn a9_a_future_start_assignment_takes_effect_at_its_start() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let start = t0() + hours(2);
    let request = commit(&mut f, admin, t0(), active(group, alice).starting(start));
    let schedule = f.schedule_of(target(&request));
    assert!(!schedule.is_in_force_at(start - minutes(1)));
    assert!(schedule.is_in_force_at(start));
    assert!(!f
        .state
        .is_effective_member(alice.into(), group, start - minutes(1)));
    assert!(f.state.is_effective_member(alice.into(), group, start));
}

// A10: history.

#[test]
fn a10_an_expired_assignment_stays_in_the_state_as_expired() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let request = commit(&mut f, admin, t0(), eligible(group, alice));
    let later = t0() + days(30) + days(30);
    let schedule = f.schedule_of(target(&request));
    assert_eq!(schedule.status_at(t0() + days(1)), "Provisioned");
    assert_eq!(schedule.status_at(later), "Expired");
    assert!(f.state.requests.contains_key(&request.id));
}

#[test]
fn a10_a_removed_assignment_stays_in_the_state_as_revoked() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let removed = commit(&mut f, admin, t0() + days(1), removal(group, alice));
    let schedule = f.schedule_of(target(&assigned));
    assert_eq!(schedule.status_at(t0() + days(2)), "Revoked");
    assert_eq!(schedule.effective_window(), window(t0(), t0() + days(1)));
    assert_eq!(f.state.requests[&removed.id].status, RequestStatus::Revoked);
    assert_eq!(
        f.state.requests[&assigned.id].status,
        RequestStatus::Provisioned
    );
}

#[test]
fn a10_a_superseded_assignment_stays_in_the_state_as_canceled() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let input = acting(RequestAction::AdminExtend, group, alice).lasting(days(60));
    commit(&mut f, admin, t0() + days(1), input);
    assert_eq!(
        f.schedule_of(target(&assigned)).status_at(t0() + days(2)),
        "Canceled"
    );
}

// D4 through PIM assignments.

#[test]
fn d4_a_group_cannot_be_assigned_active_member_of_a_role_assignable_group() {
    let Setup { mut f, admin, .. } = setup();
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    let helpers = f.group("Helpers");
    let violation = refused(&f, admin, t0(), active(tier0, helpers));
    assert_eq!(violation.code, ErrorCode::GroupNestingNotAllowed);
    assert_eq!(violation.rule, Some(Rule::D4));
}

#[test]
fn d4_a_group_can_be_assigned_eligible_member_of_a_role_assignable_group() {
    let Setup { mut f, admin, .. } = setup();
    let tier0 = f.role_assignable_group("Tier 0");
    f.managed(tier0);
    let helpers = f.group("Helpers");
    let (decision, _) = decide(&f, admin, t0(), eligible(tier0, helpers)).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].principal_id, helpers.into());
    assert_eq!(schedules[0].kind, ScheduleKind::Eligible);
}

#[test]
fn d4_a_group_can_be_assigned_active_member_of_a_group_that_is_not_role_assignable() {
    let Setup {
        mut f,
        admin,
        group,
        ..
    } = setup();
    let helpers = f.group("Helpers");
    decide(&f, admin, t0(), active(group, helpers)).unwrap();
}

#[test]
fn d4_an_assignment_that_would_close_a_cycle_is_refused() {
    let Setup {
        mut f,
        admin,
        group,
        ..
    } = setup();
    let helpers = f.group("Helpers");
    f.managed(helpers);
    commit(&mut f, admin, t0(), eligible(group, helpers));
    let violation = refused(&f, admin, t0() + hours(1), eligible(helpers, group));
    assert_eq!(violation.code, ErrorCode::MembershipCycle);
    assert_eq!(violation.rule, Some(Rule::D4));
}

// P3, P4, P6 through PIM assignments.

#[test]
fn p6_the_first_admin_assign_onboards_the_group_with_default_policies() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let unmanaged = f.group("Payroll");
    let (decision, _) = decide(&f, admin, t0(), eligible(unmanaged, alice)).unwrap();

    let groups = decision.groups();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id, unmanaged);
    assert_eq!(groups[0].managed_since, Some(t0()));
    let mut policies: Vec<_> = decision
        .policies()
        .into_iter()
        .map(|p| (p.group_id, p.access, p.settings.clone()))
        .collect();
    policies.sort_by_key(|(_, access, _)| *access);
    assert_eq!(
        policies,
        vec![
            (unmanaged, Access::Member, PolicySettings::default()),
            (unmanaged, Access::Owner, PolicySettings::default()),
        ]
    );
    assert_eq!(decision.schedules().len(), 1);
    assert_eq!(
        decision.actions(),
        vec!["group.manage", "request.adminAssign"]
    );

    f.commit(decision);
    assert!(f.state.groups[&unmanaged].is_managed());
}

#[test]
fn p6_an_assignment_in_a_managed_group_does_not_onboard_it_again() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let (decision, _) = decide(&f, admin, t0(), eligible(group, alice)).unwrap();
    assert!(decision.groups().is_empty());
    assert!(decision.policies().is_empty());
}

#[test]
fn p3_an_assignment_in_a_dynamic_group_is_refused_as_not_manageable() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let sales = f.dynamic_group("Sales");
    let violation = refused(&f, admin, t0(), eligible(sales, alice));
    assert_eq!(violation.code, ErrorCode::GroupNotManageable);
    assert_eq!(violation.rule, Some(Rule::P3));
    assert!(
        violation.message.contains("dynamic"),
        "{}",
        violation.message
    );
}

#[test]
fn p4_a_managed_group_stays_managed_after_all_its_assignments_are_removed() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let payroll = f.group("Payroll");
    commit(&mut f, admin, t0(), eligible(payroll, alice));
    commit(&mut f, admin, t0() + hours(1), removal(payroll, alice));
    let now = t0() + hours(2);
    assert!(f
        .state
        .schedules_of_group(payroll)
        .all(|s| !s.is_open_at(now)));
    assert!(f.state.groups[&payroll].is_managed());
    assert_eq!(f.state.groups[&payroll].managed_since, Some(t0()));
    assert_eq!(
        f.state
            .policies
            .keys()
            .filter(|(group, _)| *group == payroll)
            .count(),
        2
    );
}

// V2: isValidationOnly.

#[test]
fn v2_a_validation_only_request_changes_nothing_and_is_granted() {
    let Setup {
        mut f,
        admin,
        alice,
        ..
    } = setup();
    let unmanaged = f.group("Payroll");
    let (decision, request) =
        decide(&f, admin, t0(), active(unmanaged, alice).validation_only()).unwrap();
    assert_eq!(decision, Decision::new());
    assert_eq!(request.status, RequestStatus::Granted);
    assert!(request.is_validation_only);
}

#[test]
fn v2_a_validation_only_request_is_refused_as_the_real_one_would_be() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let input = eligible(group, alice).lasting(minutes(4)).validation_only();
    let violation = refused(&f, admin, t0(), input);
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
}

#[test]
fn v2_a_validation_only_removal_removes_nothing() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
    } = setup();
    let assigned = commit(&mut f, admin, t0(), eligible(group, alice));
    let now = t0() + hours(1);
    let (decision, request) =
        decide(&f, admin, now, removal(group, alice).validation_only()).unwrap();
    assert_eq!(decision, Decision::new());
    assert_eq!(request.status, RequestStatus::Granted);
    assert!(f.schedule_of(target(&assigned)).is_in_force_at(now));
}

#[test]
fn v2_a_justification_longer_than_500_characters_is_refused() {
    let Setup {
        f,
        admin,
        alice,
        group,
    } = setup();
    let mut input = active(group, alice);
    input.justification = Some("x".repeat(501));
    let violation = refused(&f, admin, t0(), input);
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("justification"));
    let mut input = active(group, alice);
    input.justification = Some("x".repeat(500));
    decide(&f, admin, t0(), input).unwrap();
}
