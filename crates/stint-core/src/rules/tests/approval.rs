//! Deciding and cancelling pending requests (SPEC V3, V4, E2, E3, S5, D1).

use chrono::{DateTime, Utc};

use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, ScheduleId, UserId};
use crate::policy::Approver;
use crate::request::{RequestAction, RequestStatus, ScheduleRequest};
use crate::rules::activation::self_request;
use crate::rules::approval::{review, ChosenSchedule, Review};
use crate::rules::assignments::RequestInput;
use crate::rules::fixture::*;
use crate::rules::requests::cancel;
use crate::schedule::{Access, AssignmentType, EndReason, MemberType, ScheduleKind};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

struct Setup {
    f: Fixture,
    /// A Global Administrator.
    admin: UserId,
    /// Eligible member of `group` from `t0 - 1 day` for 90 days.
    alice: UserId,
    /// The one approver the member policy names.
    carol: UserId,
    /// A managed group whose member activation needs carol's approval.
    group: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let carol = f.user("carol");
    let group = f.group("Finance");
    f.managed(group);
    f.eligible_member(group, alice);
    approvers(&mut f, group, vec![Approver::User(carol)]);
    Setup {
        f,
        admin,
        alice,
        carol,
        group,
    }
}

fn approvers(f: &mut Fixture, group: GroupId, approvers: Vec<Approver>) {
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = approvers;
    });
}

/// `input` made by its principal at `now` and committed; panics if it is refused.
fn submit(f: &mut Fixture, now: DateTime<Utc>, input: RequestInput) -> ScheduleRequest {
    let caller = UserId(input.principal_id.0);
    let (decision, request) =
        self_request(&f.state, &f.context(caller, now), input).expect("the request is accepted");
    f.commit(decision);
    request
}

fn approval(justification: Option<&str>) -> Review {
    Review {
        approve: true,
        justification: justification.map(str::to_string),
        schedule: None,
    }
}

fn approve() -> Review {
    approval(Some("Looks right."))
}

fn deny() -> Review {
    Review {
        approve: false,
        ..approve()
    }
}

fn approve_with(schedule: ChosenSchedule) -> Review {
    Review {
        schedule: Some(schedule),
        ..approve()
    }
}

fn decide(
    f: &Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    request: &ScheduleRequest,
    answer: Review,
) -> Result<Decision, Violation> {
    let stage = request.approval.as_ref().expect("an approval").stage_id;
    review(&f.state, &f.context(caller, now), request.id, stage, answer)
}

/// The request as the state holds it now.
fn current(f: &Fixture, request: &ScheduleRequest) -> ScheduleRequest {
    f.state.requests[&request.id].clone()
}

// V3: approval.

#[test]
fn v3_an_activation_that_needs_approval_is_pending_and_creates_no_schedule() {
    let Setup {
        f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let (decision, request) = self_request(
        &f.state,
        &f.context(alice, t0()),
        self_activate(group, alice),
    )
    .unwrap();
    assert_eq!(request.status, RequestStatus::PendingApproval);
    assert_eq!(request.completed_at, None);
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.requests(), vec![&request]);
    let approval = request.approval.as_ref().expect("an approval");
    assert_eq!(approval.approvers, vec![Approver::User(carol)]);
    assert!(!approval.by_group_administrators);
    assert_eq!(approval.decision, None);
}

#[test]
fn v3_an_approval_creates_the_activation_from_the_approval_time_with_the_requested_length() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let at = t0() + hours(1);
    let decision = decide(&f, carol, at, &request, approve()).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    let schedule = schedules[0];
    assert_eq!(
        schedule.id,
        ScheduleId {
            group,
            access: Access::Member,
            origin: request.id.0
        }
    );
    assert_eq!(schedule.kind, ScheduleKind::Active);
    assert_eq!(schedule.assignment_type, AssignmentType::Activated);
    assert_eq!(schedule.principal_id, alice.into());
    assert_eq!(schedule.window, window(at, at + hours(2)));
    let decided = decision.requests()[0];
    assert_eq!(decided.status, RequestStatus::Provisioned);
    assert_eq!(decided.completed_at, Some(at));
    assert_eq!(decided.target_schedule_id, Some(schedule.id));
    let made = decided
        .approval
        .as_ref()
        .unwrap()
        .decision
        .as_ref()
        .unwrap();
    assert!(made.approved);
    assert_eq!(made.reviewed_by, Some(carol));
    assert_eq!(made.reviewed_at, at);
    assert_eq!(made.justification, "Looks right.");
    assert_eq!(decision.actions(), vec!["approval.approve"]);
    f.commit(decision);
    assert!(f.state.is_effective_member(alice.into(), group, at));
}

#[test]
fn v3_an_activation_approved_after_its_eligibility_was_renewed_names_the_eligibility_in_force() {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let carol = f.user("carol");
    let group = f.group("Finance");
    f.managed(group);
    approvers(&mut f, group, vec![Approver::User(carol)]);
    let first = f.schedule(
        group,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - hours(1), t0() + hours(1)),
    );
    let request = submit(&mut f, t0(), self_activate(group, alice));
    assert_eq!(
        request.activated_using.map(|source| source.eligibility),
        Some(first)
    );
    let renewed = f.schedule(
        group,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() + hours(1), t0() + hours(2)),
    );
    let decision = decide(&f, carol, t0() + hours(1), &request, approve()).unwrap();
    let activation = decision.schedules()[0];
    assert_eq!(activation.window.start, t0() + hours(1));
    assert_eq!(
        decision.requests()[0]
            .activated_using
            .map(|source| source.eligibility),
        Some(renewed),
        "the activation came from the eligibility in force at its start"
    );
}

#[test]
fn v3_an_approved_scheduled_activation_keeps_its_later_start() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let start = t0() + hours(3);
    let request = submit(&mut f, t0(), self_activate(group, alice).starting(start));
    let decision = decide(&f, carol, t0() + hours(1), &request, approve()).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(start, start + hours(2))
    );
}

#[test]
fn v3_a_second_decision_is_a_conflict() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let dave = f.user("dave");
    approvers(
        &mut f,
        group,
        vec![Approver::User(carol), Approver::User(dave)],
    );
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let first = decide(&f, carol, t0() + minutes(1), &request, approve()).unwrap();
    f.commit(first);
    let violation = decide(&f, dave, t0() + minutes(2), &request, deny()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ApprovalAlreadyDecided);
    assert_eq!(violation.code.http_status(), 409);
    assert_eq!(current(&f, &request).status, RequestStatus::Provisioned);
}

#[test]
fn v3_the_same_approver_cannot_decide_twice() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let first = decide(&f, carol, t0() + minutes(1), &request, deny()).unwrap();
    f.commit(first);
    let violation = decide(&f, carol, t0() + minutes(2), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ApprovalAlreadyDecided);
}

#[test]
fn v3_a_decision_without_justification_is_refused() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, carol, t0(), &request, approval(None)).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.code.http_status(), 400);
    assert_eq!(violation.field, Some("justification"));
}

#[test]
fn v3_a_blank_justification_counts_as_none() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, carol, t0(), &request, approval(Some("  "))).unwrap_err();
    assert_eq!(violation.code, ErrorCode::BadRequest);
}

#[test]
fn v3_the_requester_cannot_approve_their_own_request_even_when_listed() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    approvers(
        &mut f,
        group,
        vec![Approver::User(alice), Approver::User(carol)],
    );
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, alice, t0(), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.code.http_status(), 403);
}

#[test]
fn v3_a_user_who_is_not_an_approver_cannot_decide() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, bob, t0(), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn v3_an_administrator_who_is_not_an_approver_cannot_decide_an_activation() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, admin, t0(), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn v3_members_of_an_approver_group_may_decide() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let reviewers = f.group("Reviewers");
    let erin = f.user("erin");
    f.member(reviewers, erin);
    approvers(&mut f, group, vec![Approver::MembersOf(reviewers)]);
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let decision = decide(&f, erin, t0() + minutes(1), &request, approve()).unwrap();
    assert_eq!(decision.schedules().len(), 1);
}

#[test]
fn v3_a_user_outside_the_approver_group_cannot_decide() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let reviewers = f.group("Reviewers");
    let erin = f.user("erin");
    f.member(reviewers, erin);
    approvers(&mut f, group, vec![Approver::MembersOf(reviewers)]);
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, carol, t0(), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn v3_a_denial_creates_no_schedule() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let decision = decide(&f, carol, t0() + minutes(1), &request, deny()).unwrap();
    assert!(decision.schedules().is_empty());
    let decided = decision.requests()[0];
    assert_eq!(decided.status, RequestStatus::Denied);
    let made = decided
        .approval
        .as_ref()
        .unwrap()
        .decision
        .as_ref()
        .unwrap();
    assert!(!made.approved);
    assert_eq!(made.reviewed_by, Some(carol));
    assert_eq!(decision.actions(), vec!["approval.deny"]);
    f.commit(decision);
    assert!(!f
        .state
        .is_effective_member(alice.into(), group, t0() + hours(1)));
}

#[test]
fn v3_a_request_is_not_approved_once_its_requester_is_no_longer_eligible() {
    let Setup {
        mut f,
        carol,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(10), t0() + hours(1)),
    );
    let request = submit(&mut f, t0(), self_activate(group, bob).lasting(minutes(30)));
    let violation = decide(&f, carol, t0() + hours(2), &request, approve()).unwrap_err();
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert!(violation.message.contains("EligibilityRule"));
}

#[test]
fn v3_a_request_undecided_for_24_hours_cannot_be_approved_even_before_the_scheduler_ran() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = decide(&f, carol, t0() + hours(24), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ApprovalAlreadyDecided);
}

#[test]
fn v3_a_request_can_still_be_approved_just_before_24_hours() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    assert!(decide(
        &f,
        carol,
        t0() + hours(24) - seconds(1),
        &request,
        approve()
    )
    .is_ok());
}

// S5: approvers are fixed when the request is made.

#[test]
fn s5_an_approver_removed_from_the_policy_after_the_request_still_decides_it() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let dave = f.user("dave");
    let request = submit(&mut f, t0(), self_activate(group, alice));
    approvers(&mut f, group, vec![Approver::User(dave)]);
    assert!(decide(&f, carol, t0() + minutes(1), &request, approve()).is_ok());
}

#[test]
fn s5_an_approver_added_to_the_policy_after_the_request_cannot_decide_it() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let dave = f.user("dave");
    let request = submit(&mut f, t0(), self_activate(group, alice));
    approvers(&mut f, group, vec![Approver::User(dave)]);
    let violation = decide(&f, dave, t0() + minutes(1), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

// D1: a disabled user cannot approve.

#[test]
fn d1_a_disabled_approver_cannot_decide() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    f.disable(carol);
    let violation = decide(&f, carol, t0() + minutes(1), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

// V4: cancel.

fn cancel_as(
    f: &Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    request: &ScheduleRequest,
) -> Result<Decision, Violation> {
    cancel(
        &f.state,
        &f.context(caller, now),
        request.id,
        ScheduleKind::Active,
    )
}

#[test]
fn v4_the_requester_cancels_a_pending_request() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let at = t0() + minutes(10);
    let decision = cancel_as(&f, alice, at, &request).unwrap();
    let canceled = decision.requests()[0];
    assert_eq!(canceled.status, RequestStatus::Canceled);
    assert_eq!(canceled.completed_at, Some(at));
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.actions(), vec!["request.cancel"]);
}

#[test]
fn v4_a_stranger_cannot_cancel_a_request() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = cancel_as(&f, bob, t0(), &request).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.code.http_status(), 403);
}

#[test]
fn v4_an_approver_who_is_not_an_administrator_cannot_cancel_a_request() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let violation = cancel_as(&f, carol, t0(), &request).unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn v4_an_administrator_of_the_group_may_cancel_a_request() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let decision = cancel_as(&f, admin, t0(), &request).unwrap();
    assert_eq!(decision.requests()[0].status, RequestStatus::Canceled);
}

#[test]
fn v4_an_owner_of_the_group_may_cancel_a_request() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let olga = f.user("olga");
    f.owner(group, olga);
    let request = submit(&mut f, t0(), self_activate(group, alice));
    assert!(cancel_as(&f, olga, t0(), &request).is_ok());
}

#[test]
fn v4_a_decided_request_cannot_be_canceled() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let approved = decide(&f, carol, t0() + minutes(1), &request, approve()).unwrap();
    f.commit(approved);
    let violation = cancel_as(&f, alice, t0() + minutes(2), &request).unwrap_err();
    assert_eq!(violation.code, ErrorCode::RequestNotCancelable);
}

#[test]
fn v4_a_canceled_request_cannot_be_approved() {
    let Setup {
        mut f,
        alice,
        carol,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let canceled = cancel_as(&f, alice, t0() + minutes(1), &request).unwrap();
    f.commit(canceled);
    let violation = decide(&f, carol, t0() + minutes(2), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ApprovalAlreadyDecided);
}

#[test]
fn v4_after_a_cancel_a_new_request_may_be_made() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let request = submit(&mut f, t0(), self_activate(group, alice));
    let canceled = cancel_as(&f, alice, t0() + minutes(1), &request).unwrap();
    f.commit(canceled);
    let again = submit(&mut f, t0() + minutes(2), self_activate(group, alice));
    assert_eq!(again.status, RequestStatus::PendingApproval);
}

// E3: extensions and renewals are decided by the group's administrators.

struct Extension {
    f: Fixture,
    admin: UserId,
    carol: UserId,
    bob: UserId,
    group: GroupId,
    /// Bob's eligibility, from `t0 - 80 days` to `t0 + 10 days`.
    eligibility: ScheduleId,
    /// Bob's pending `selfExtend` of it, made at `t0`.
    request: ScheduleRequest,
}

fn extension() -> Extension {
    let Setup {
        mut f,
        admin,
        carol,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    let eligibility = f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(80), t0() + days(10)),
    );
    let request = submit(
        &mut f,
        t0(),
        request(
            RequestAction::SelfExtend,
            ScheduleKind::Eligible,
            group,
            bob,
            Access::Member,
        ),
    );
    Extension {
        f,
        admin,
        carol,
        bob,
        group,
        eligibility,
        request,
    }
}

fn until(end: DateTime<Utc>) -> ChosenSchedule {
    ChosenSchedule {
        end: Some(end),
        ..ChosenSchedule::default()
    }
}

#[test]
fn e3_an_administrator_approves_an_extension_with_the_end_they_choose() {
    let Extension {
        f,
        admin,
        bob,
        group,
        eligibility,
        request,
        ..
    } = extension();
    let at = t0() + hours(1);
    let decision = decide(
        &f,
        admin,
        at,
        &request,
        approve_with(until(t0() + days(200))),
    )
    .unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 2);
    let new = schedules.iter().find(|s| s.id != eligibility).unwrap();
    assert_eq!(
        new.id,
        ScheduleId {
            group,
            access: Access::Member,
            origin: request.id.0
        }
    );
    assert_eq!(new.kind, ScheduleKind::Eligible);
    assert_eq!(new.principal_id, bob.into());
    assert_eq!(new.member_type, MemberType::Direct);
    assert_eq!(new.window, window(t0() - days(80), t0() + days(200)));
    let old = schedules.iter().find(|s| s.id == eligibility).unwrap();
    let ended = old.ended.expect("the old eligibility is superseded");
    assert_eq!(ended.reason, EndReason::Superseded);
    assert_eq!(ended.at, at);
    let decided = decision.requests()[0];
    assert_eq!(decided.status, RequestStatus::Provisioned);
    assert_eq!(decided.target_schedule_id, Some(new.id));
}

#[test]
fn e3_an_administrator_may_turn_an_extended_eligibility_into_an_active_assignment() {
    let Extension {
        mut f,
        admin,
        bob,
        group,
        eligibility,
        request,
        ..
    } = extension();
    let at = t0() + hours(1);
    let chosen = ChosenSchedule {
        start: Some(at),
        end: Some(t0() + days(30)),
        kind: Some(ScheduleKind::Active),
    };
    let decision = decide(&f, admin, at, &request, approve_with(chosen)).unwrap();
    let new = decision
        .schedules()
        .into_iter()
        .find(|s| s.id != eligibility)
        .unwrap()
        .clone();
    assert_eq!(new.kind, ScheduleKind::Active);
    assert_eq!(new.assignment_type, AssignmentType::Assigned);
    assert_eq!(new.window, window(at, t0() + days(30)));
    f.commit(decision);
    assert_eq!(
        f.schedule_of(eligibility).ended.map(|e| e.reason),
        Some(EndReason::Superseded)
    );
    assert!(f.state.is_effective_member(bob.into(), group, at));
}

#[test]
fn e3_an_approved_extension_beyond_the_policy_maximum_is_refused_naming_expiration_rule() {
    let Extension {
        f, admin, request, ..
    } = extension();
    let violation = decide(
        &f,
        admin,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(400))),
    )
    .unwrap_err();
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    assert!(violation.message.contains("ExpirationRule"));
    assert_eq!(violation.rule, Some(Rule::A4));
}

#[test]
fn e3_an_approved_extension_must_end_later_than_the_assignment_it_extends() {
    let Extension {
        f, admin, request, ..
    } = extension();
    let violation = decide(
        &f,
        admin,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(5))),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
}

#[test]
fn e3_approving_an_extension_as_requested_never_ends_the_assignment_early() {
    let Extension {
        f, admin, request, ..
    } = extension();
    // 30 days from the eligibility's start (t0 - 80 days) would end it 50 days ago.
    let violation = decide(&f, admin, t0() + hours(1), &request, approve()).unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.rule, Some(Rule::E3));
}

#[test]
fn e3_a_listed_approver_who_is_not_a_group_administrator_cannot_decide_an_extension() {
    let Extension {
        f, carol, request, ..
    } = extension();
    let violation = decide(
        &f,
        carol,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(100))),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn e3_an_owner_of_the_group_may_decide_an_extension() {
    let Extension {
        mut f,
        group,
        request,
        ..
    } = extension();
    let olga = f.user("olga");
    f.owner(group, olga);
    assert!(decide(
        &f,
        olga,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(100)))
    )
    .is_ok());
}

#[test]
fn e3_the_requester_cannot_decide_their_own_extension_even_as_administrator() {
    let Extension {
        mut f,
        bob,
        request,
        ..
    } = extension();
    f.grant(bob, GlobalAdministrator);
    let violation = decide(
        &f,
        bob,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(100))),
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
}

#[test]
fn e3_a_denied_extension_leaves_the_assignment_as_it_was() {
    let Extension {
        f, admin, request, ..
    } = extension();
    let decision = decide(&f, admin, t0() + hours(1), &request, deny()).unwrap();
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.requests()[0].status, RequestStatus::Denied);
}

// E2: approving a renewal.

/// Bob's eligibility that ended 10 days ago, and his pending `selfRenew` of it, made at `t0`.
fn renewal() -> (Fixture, UserId, ScheduleId, ScheduleRequest) {
    let Setup {
        mut f,
        admin,
        group,
        ..
    } = setup();
    let bob = f.user("bob");
    let eligibility = f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(100), t0() - days(10)),
    );
    let request = submit(
        &mut f,
        t0(),
        request(
            RequestAction::SelfRenew,
            ScheduleKind::Eligible,
            group,
            bob,
            Access::Member,
        ),
    );
    (f, admin, eligibility, request)
}

#[test]
fn e2_approving_a_renewal_creates_a_new_schedule_from_now() {
    let (f, admin, eligibility, request) = renewal();
    let at = t0() + hours(1);
    let decision = decide(&f, admin, at, &request, approve()).unwrap();
    let schedules = decision.schedules();
    assert_eq!(
        schedules.len(),
        1,
        "the ended eligibility is left as it was"
    );
    assert_ne!(schedules[0].id, eligibility);
    assert_eq!(schedules[0].kind, ScheduleKind::Eligible);
    assert_eq!(schedules[0].window, window(at, at + days(30)));
    assert_eq!(decision.requests()[0].status, RequestStatus::Provisioned);
}

#[test]
fn e2_an_approved_renewal_beyond_the_policy_maximum_is_refused_naming_expiration_rule() {
    let (f, admin, _, request) = renewal();
    let violation = decide(
        &f,
        admin,
        t0() + hours(1),
        &request,
        approve_with(until(t0() + days(400))),
    )
    .unwrap_err();
    assert!(violation.message.contains("ExpirationRule"));
}

#[test]
fn e3_an_approved_renewal_of_less_than_five_minutes_is_refused() {
    let (f, admin, _, request) = renewal();
    let at = t0() + hours(1);
    let chosen = ChosenSchedule {
        start: Some(at),
        end: Some(at + minutes(4)),
        kind: None,
    };
    let violation = decide(&f, admin, at, &request, approve_with(chosen)).unwrap_err();
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
}
