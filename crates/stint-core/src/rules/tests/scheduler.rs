//! What the scheduler does when time passes (SPEC V3's 24-hour denial, V7's tidy-up).

use chrono::{DateTime, Utc};

use crate::ids::{GroupId, UserId};
use crate::policy::Approver;
use crate::request::{RequestAction, RequestStatus, ScheduleRequest};
use crate::rules::activation::self_request;
use crate::rules::approval::{review, Review};
use crate::rules::assignments::RequestInput;
use crate::rules::fixture::*;
use crate::rules::requests::cancel;
use crate::rules::scheduler::{tick, Tick};
use crate::schedule::{Access, EndReason, ScheduleKind};
use crate::violation::ErrorCode;
use crate::Decision;

struct Setup {
    f: Fixture,
    /// Eligible member of `group` from `t0 - 1 day` for 90 days.
    alice: UserId,
    /// The approver the member policy names.
    carol: UserId,
    /// A managed group; approval is off unless a test turns it on.
    group: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let alice = f.user("alice");
    let carol = f.user("carol");
    let group = f.group("Finance");
    f.managed(group);
    f.eligible_member(group, alice);
    Setup {
        f,
        alice,
        carol,
        group,
    }
}

fn require_approval(f: &mut Fixture, group: GroupId, approver: UserId) {
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(approver)];
    });
}

/// `input` made by its principal at `now` and committed.
fn submit(f: &mut Fixture, now: DateTime<Utc>, input: RequestInput) -> ScheduleRequest {
    let caller = UserId(input.principal_id.0);
    let (decision, request) =
        self_request(&f.state, &f.context(caller, now), input).expect("the request is accepted");
    f.commit(decision);
    request
}

/// Alice's activation request, pending carol's approval since `t0`.
fn pending() -> (Fixture, UserId, ScheduleRequest) {
    let Setup {
        mut f,
        alice,
        carol,
        group,
    } = setup();
    require_approval(&mut f, group, carol);
    let request = submit(&mut f, t0(), self_activate(group, alice));
    assert_eq!(request.status, RequestStatus::PendingApproval);
    (f, carol, request)
}

fn run(f: &Fixture, now: DateTime<Utc>) -> Decision {
    tick(&f.state, now, || f.fresh_id())
}

// V3: a request with no decision after 24 hours is denied automatically.

#[test]
fn v3_a_request_pending_for_24_hours_is_denied_by_the_scheduler() {
    let (f, _, request) = pending();
    let at = t0() + hours(24);
    let decision = run(&f, at);
    let requests = decision.requests();
    assert_eq!(requests.len(), 1);
    let denied = requests[0];
    assert_eq!(denied.id, request.id);
    assert_eq!(denied.status, RequestStatus::Denied);
    assert_eq!(denied.completed_at, Some(at));
    let made = denied.approval.as_ref().unwrap().decision.as_ref().unwrap();
    assert!(!made.approved);
    assert_eq!(made.reviewed_by, None);
    assert_eq!(made.reviewed_at, at);
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.actions(), vec!["request.expire"]);
    let event = &decision.audit[0];
    assert_eq!(event.actor, None);
    assert_eq!(event.target_id, request.id.to_string());
    assert_eq!(event.group_id, Some(request.target.group_id));
    assert_eq!(event.principal_id, Some(request.principal_id));
}

#[test]
fn v3_a_request_pending_for_23_hours_59_minutes_is_left_alone() {
    let (f, _, _) = pending();
    assert_eq!(run(&f, t0() + hours(24) - minutes(1)), Decision::new());
}

#[test]
fn v3_a_request_denied_by_the_scheduler_stays_denied() {
    let (mut f, _, request) = pending();
    let denial = run(&f, t0() + hours(24));
    f.commit(denial);
    assert_eq!(run(&f, t0() + days(3)), Decision::new());
    assert_eq!(f.state.requests[&request.id].status, RequestStatus::Denied);
}

#[test]
fn v3_approving_after_the_automatic_denial_is_a_conflict() {
    let (mut f, carol, request) = pending();
    let denial = run(&f, t0() + hours(24));
    f.commit(denial);
    let answer = Review {
        approve: true,
        justification: Some("Sorry, I was away.".into()),
        schedule: None,
    };
    let stage = request.approval.as_ref().unwrap().stage_id;
    let violation = review(
        &f.state,
        &f.context(carol, t0() + hours(25)),
        request.id,
        stage,
        answer,
    )
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::ApprovalAlreadyDecided);
    assert_eq!(violation.code.http_status(), 409);
}

#[test]
fn v3_a_canceled_request_is_not_denied_by_the_scheduler() {
    let (mut f, _, request) = pending();
    let alice = UserId(request.principal_id.0);
    let canceled = cancel(
        &f.state,
        &f.context(alice, t0() + minutes(1)),
        request.id,
        ScheduleKind::Active,
    )
    .unwrap();
    f.commit(canceled);
    assert_eq!(run(&f, t0() + hours(25)), Decision::new());
}

#[test]
fn v3_after_the_automatic_denial_a_new_request_may_be_made() {
    let (mut f, _, request) = pending();
    let denial = run(&f, t0() + hours(24));
    f.commit(denial);
    let alice = UserId(request.principal_id.0);
    let again = submit(
        &mut f,
        t0() + hours(25),
        self_activate(request.target.group_id, alice),
    );
    assert_eq!(again.status, RequestStatus::PendingApproval);
}

// V7: the scheduler records ends that already happened.

#[test]
fn v7_a_schedule_past_its_end_is_recorded_as_expired() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let activation = submit(&mut f, t0(), self_activate(group, alice));
    let end = t0() + hours(2);
    let decision = run(&f, end + minutes(3));
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(Some(schedules[0].id), activation.target_schedule_id);
    let ended = schedules[0].ended.expect("recorded as ended");
    assert_eq!(ended.reason, EndReason::Expired);
    assert_eq!(ended.at, end, "it ended at its end, not when the tick ran");
    assert_eq!(decision.actions(), vec!["schedule.expire"]);
    assert_eq!(decision.audit[0].actor, None);
}

#[test]
fn v7_a_schedule_before_its_end_is_left_alone() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    submit(&mut f, t0(), self_activate(group, alice));
    assert_eq!(run(&f, t0() + hours(2) - seconds(1)), Decision::new());
}

#[test]
fn v7_a_deactivated_activation_is_not_expired_again() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let activation = submit(&mut f, t0(), self_activate(group, alice));
    submit(
        &mut f,
        t0() + minutes(30),
        self_activate(group, alice).with_action(RequestAction::SelfDeactivate),
    );
    assert_eq!(run(&f, t0() + hours(3)), Decision::new());
    let ended = f
        .schedule_of(activation.target_schedule_id.unwrap())
        .ended
        .unwrap();
    assert_eq!(ended.reason, EndReason::Deactivated);
}

#[test]
fn v7_the_tick_is_idempotent() {
    let mut f = one_expiry_and_one_overdue_request();
    let at = t0() + hours(25);
    let first = run(&f, at);
    assert_eq!(first.actions().len(), 2, "{:?}", first.actions());
    f.commit(first);
    assert_eq!(run(&f, at), Decision::new());
    assert_eq!(run(&f, at + hours(1)), Decision::new());
}

// The tick is three jobs; each does its own part and nothing else.

/// Alice's activation ended at `t0 + 2h`; bob's activation request, pending since `t0`, is
/// overdue from `t0 + 24h`.
fn one_expiry_and_one_overdue_request() -> Fixture {
    let Setup {
        mut f,
        alice,
        carol,
        group,
    } = setup();
    submit(&mut f, t0(), self_activate(group, alice));
    let bob = f.user("bob");
    f.eligible_member(group, bob);
    require_approval(&mut f, group, carol);
    submit(&mut f, t0(), self_activate(group, bob));
    f
}

#[test]
fn v3_the_approval_timeout_job_denies_the_overdue_request_and_nothing_else() {
    let f = one_expiry_and_one_overdue_request();
    let decision = Tick::new(&f.state, t0() + hours(25), || f.fresh_id()).deny_overdue_approvals();
    assert_eq!(decision.actions(), ["request.expire"]);
    assert_eq!(decision.requests().len(), 1);
    assert_eq!(decision.requests()[0].status, RequestStatus::Denied);
    assert!(decision.schedules().is_empty());
}

#[test]
fn v7_the_expiry_job_records_the_end_and_nothing_else() {
    let f = one_expiry_and_one_overdue_request();
    let decision = Tick::new(&f.state, t0() + hours(25), || f.fresh_id()).record_expiries();
    assert_eq!(decision.actions(), ["schedule.expire"]);
    assert_eq!(decision.schedules().len(), 1);
    assert_eq!(
        decision.schedules()[0].ended.map(|ended| ended.reason),
        Some(EndReason::Expired)
    );
    assert!(decision.requests().is_empty());
}

#[test]
fn a11_the_retention_job_finds_nothing_where_no_owner_ended() {
    let f = one_expiry_and_one_overdue_request();
    let decision = Tick::new(&f.state, t0() + days(40), || f.fresh_id()).keep_last_owners();
    assert_eq!(decision, Decision::new());
}

#[test]
fn v3_v7_a_tick_is_the_three_jobs_in_turn() {
    let f = one_expiry_and_one_overdue_request();
    let at = t0() + hours(25);
    let ticked = run(&f, at);
    let mut jobs = Tick::new(&f.state, at, || f.fresh_id()).deny_overdue_approvals();
    jobs.append(Tick::new(&f.state, at, || f.fresh_id()).record_expiries());
    jobs.append(Tick::new(&f.state, at, || f.fresh_id()).keep_last_owners());
    assert_eq!(ticked.actions(), ["request.expire", "schedule.expire"]);
    assert_eq!(ticked.actions(), jobs.actions());
    assert_eq!(ticked.changes.len(), jobs.changes.len());
}
