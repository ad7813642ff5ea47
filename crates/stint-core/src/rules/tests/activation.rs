//! What an eligible principal asks for themselves (SPEC V1, V2, V5, V6, V7, V8, E1, E2, D1).

use chrono::{DateTime, Utc};

use crate::directory::BuiltInRole::*;
use crate::ids::{GroupId, ScheduleId, UserId};
use crate::policy::Approver;
use crate::request::{RequestAction, RequestStatus, ScheduleRequest, TicketInfo};
use crate::rules::activation::self_request;
use crate::rules::assignments::{admin_request, RequestInput};
use crate::rules::fixture::*;
use crate::rules::Context;
use crate::schedule::{Access, AssignmentType, EndReason, MemberType, ScheduleKind, Window};
use crate::spec::Rule;
use crate::violation::{ErrorCode, Violation};
use crate::Decision;

struct Setup {
    f: Fixture,
    /// A Global Administrator.
    admin: UserId,
    /// Eligible member of `group` from `t0 - 1 day` for 90 days.
    alice: UserId,
    /// Alice's eligibility.
    eligibility: ScheduleId,
    /// A managed security group with the default policies.
    group: GroupId,
}

fn setup() -> Setup {
    let mut f = Fixture::new();
    let admin = f.admin("gaby", GlobalAdministrator);
    let alice = f.user("alice");
    let group = f.group("Finance");
    f.managed(group);
    let eligibility = f.eligible_member(group, alice);
    Setup {
        f,
        admin,
        alice,
        eligibility,
        group,
    }
}

fn decide_in(
    f: &Fixture,
    ctx: &Context,
    input: RequestInput,
) -> Result<(Decision, ScheduleRequest), Violation> {
    self_request(&f.state, ctx, input)
}

fn decide(
    f: &Fixture,
    caller: UserId,
    now: DateTime<Utc>,
    input: RequestInput,
) -> Result<(Decision, ScheduleRequest), Violation> {
    decide_in(f, &f.context(caller, now), input)
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

/// The window of the one schedule `input` would create.
fn activated_window(f: &Fixture, caller: UserId, input: RequestInput) -> Window {
    let (decision, _) = decide(f, caller, t0(), input).expect("the activation should succeed");
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    schedules[0].window
}

fn assert_policy_failed(violation: &Violation, rules: &[&str], spec: Rule) {
    assert_eq!(
        violation.code,
        ErrorCode::RoleAssignmentRequestPolicyValidationFailed
    );
    for rule in rules {
        assert!(
            violation.message.contains(rule),
            "{} should name {rule}",
            violation.message
        );
    }
    assert_eq!(violation.rule, Some(spec));
}

fn ticket(number: Option<&str>, system: Option<&str>) -> Option<TicketInfo> {
    Some(TicketInfo {
        number: number.map(str::to_string),
        system: system.map(str::to_string),
    })
}

fn require_approval(f: &mut Fixture, group: GroupId, approver: UserId) {
    f.policy(group, Access::Member, |s| {
        s.approval.required = true;
        s.approval.approvers = vec![Approver::User(approver)];
    });
}

// V1: activate.

#[test]
fn v1_activation_within_the_maximum_creates_one_active_activated_schedule_from_now() {
    let Setup {
        f,
        alice,
        eligibility,
        group,
        ..
    } = setup();
    let (decision, request) = decide(&f, alice, t0(), self_activate(group, alice)).unwrap();
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
    assert_eq!(
        schedule.id.to_string(),
        format!("{group}_member_{}", request.id.0.hyphenated())
    );
    assert_eq!(schedule.kind, ScheduleKind::Active);
    assert_eq!(schedule.assignment_type, AssignmentType::Activated);
    assert_eq!(schedule.member_type, MemberType::Direct);
    assert_eq!(schedule.principal_id, alice.into());
    assert_eq!(schedule.window, window(t0(), t0() + hours(2)));
    assert_eq!(schedule.created_using, Some(request.id));
    assert_eq!(request.status, RequestStatus::Provisioned);
    assert_eq!(request.target_schedule_id, Some(schedule.id));
    assert_eq!(
        request.activated_using.map(|source| source.eligibility),
        Some(eligibility)
    );
    assert_eq!(decision.requests(), vec![&request]);
    assert_eq!(decision.actions(), vec!["request.selfActivate"]);
    assert_eq!(decision.audit[0].actor, Some(alice));
}

#[test]
fn v1_activation_longer_than_the_policy_maximum_is_refused_naming_expiration_rule() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).lasting(hours(8) + minutes(1)),
    );
    assert_policy_failed(&violation, &["ExpirationRule"], Rule::V1);
}

#[test]
fn v1_activation_of_exactly_the_policy_maximum_is_allowed() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let activated = activated_window(&f, alice, self_activate(group, alice).lasting(hours(8)));
    assert_eq!(activated, window(t0(), t0() + hours(8)));
}

#[test]
fn v1_the_maximum_is_the_one_the_group_policy_sets() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_maximum = crate::duration::IsoDuration::hours(1);
    });
    let violation = refused(&f, alice, t0(), self_activate(group, alice));
    assert_policy_failed(&violation, &["ExpirationRule"], Rule::V1);
}

#[test]
fn v1_activation_without_an_expiration_lasts_the_policy_maximum() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let activated = activated_window(&f, alice, self_activate(group, alice).without_schedule());
    assert_eq!(activated, window(t0(), t0() + hours(8)));
}

#[test]
fn v1_activation_with_no_expiration_lasts_the_policy_maximum() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let activated = activated_window(&f, alice, self_activate(group, alice).permanent());
    assert_eq!(activated, window(t0(), t0() + hours(8)));
}

#[test]
fn v1_a_later_start_is_kept_as_a_scheduled_activation() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let start = t0() + hours(3);
    let (decision, request) =
        decide(&f, alice, t0(), self_activate(group, alice).starting(start)).unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(start, start + hours(2))
    );
    assert_eq!(request.resolved_start, Some(start));
}

#[test]
fn v1_a_start_in_the_past_becomes_now() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let (decision, request) = decide(
        &f,
        alice,
        t0(),
        self_activate(group, alice).starting(t0() - hours(1)),
    )
    .unwrap();
    assert_eq!(
        decision.schedules()[0].window,
        window(t0(), t0() + hours(2))
    );
    assert_eq!(request.resolved_start, Some(t0()));
}

#[test]
fn v1_the_activation_is_cut_at_the_end_of_its_eligibility() {
    let Setup { mut f, group, .. } = setup();
    let bob = f.user("bob");
    f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(10), t0() + hours(1)),
    );
    let activated = activated_window(&f, bob, self_activate(group, bob));
    assert_eq!(activated, window(t0(), t0() + hours(1)));
}

#[test]
fn v1_activation_without_eligibility_is_refused_naming_eligibility_rule() {
    let Setup { mut f, group, .. } = setup();
    let bob = f.user("bob");
    let violation = refused(&f, bob, t0(), self_activate(group, bob));
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v1_an_expired_eligibility_does_not_count() {
    let Setup { mut f, group, .. } = setup();
    let bob = f.user("bob");
    f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(10), t0() - days(1)),
    );
    let violation = refused(&f, bob, t0(), self_activate(group, bob));
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v1_a_future_eligibility_does_not_count_now() {
    let Setup { mut f, group, .. } = setup();
    let bob = f.user("bob");
    f.schedule(
        group,
        bob,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() + days(1), t0() + days(10)),
    );
    let violation = refused(&f, bob, t0(), self_activate(group, bob));
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v1_a_removed_eligibility_does_not_count() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
        ..
    } = setup();
    let removal = eligible(group, alice).with_action(RequestAction::AdminRemove);
    let (decision, _) = admin_request(&f.state, &f.context(admin, t0()), removal).unwrap();
    f.commit(decision);
    let violation = refused(&f, alice, t0() + minutes(1), self_activate(group, alice));
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v1_an_owner_activates_ownership_the_same_way() {
    let Setup { mut f, group, .. } = setup();
    let olga = f.user("olga");
    f.schedule(
        group,
        olga,
        Access::Owner,
        ScheduleKind::Eligible,
        window(t0() - days(1), t0() + days(30)),
    );
    let (decision, request) = decide(
        &f,
        olga,
        t0(),
        self_activate(group, olga).for_access(Access::Owner),
    )
    .unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(
        schedules[0].id,
        ScheduleId {
            group,
            access: Access::Owner,
            origin: request.id.0
        }
    );
    assert_eq!(schedules[0].assignment_type, AssignmentType::Activated);
    assert_eq!(schedules[0].window, window(t0(), t0() + hours(2)));
    f.commit(decision);
    assert!(f.state.is_owner(olga, group, t0() + hours(1)));
}

#[test]
fn v1_an_eligible_membership_does_not_allow_activating_ownership() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).for_access(Access::Owner),
    );
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v1_self_activate_on_eligibility_schedule_requests_is_refused() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let mut input = self_activate(group, alice);
    input.kind = ScheduleKind::Eligible;
    let violation = refused(&f, alice, t0(), input);
    assert_eq!(violation.code, ErrorCode::BadRequest);
    assert_eq!(violation.field, Some("action"));
}

#[test]
fn v1_activating_for_someone_else_is_forbidden() {
    let Setup {
        f,
        admin,
        alice,
        group,
        ..
    } = setup();
    let violation = refused(&f, admin, t0(), self_activate(group, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.code.http_status(), 403);
    assert_eq!(violation.field, Some("principalId"));
}

#[test]
fn v1_activation_in_a_group_that_does_not_exist_is_refused() {
    let Setup { f, alice, .. } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(GroupId(uuid::Uuid::from_u128(999_999)), alice),
    );
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("groupId"));
}

#[test]
fn a2_an_activation_shorter_than_five_minutes_is_refused() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).lasting(minutes(4)),
    );
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
}

// V2: requirements.

#[test]
fn v2_missing_justification_is_refused_naming_justification_rule() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).without_justification(),
    );
    assert_policy_failed(&violation, &["JustificationRule"], Rule::V2);
}

#[test]
fn v2_a_blank_justification_counts_as_missing() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let mut input = self_activate(group, alice);
    input.justification = Some("   ".into());
    let violation = refused(&f, alice, t0(), input);
    assert_policy_failed(&violation, &["JustificationRule"], Rule::V2);
}

#[test]
fn v2_no_justification_is_needed_when_the_policy_does_not_require_one() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.justification = false;
    });
    assert!(decide(
        &f,
        alice,
        t0(),
        self_activate(group, alice).without_justification()
    )
    .is_ok());
}

#[test]
fn v2_a_required_ticket_that_is_missing_is_refused_naming_ticketing_rule() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.ticket = true
    });
    let violation = refused(&f, alice, t0(), self_activate(group, alice));
    assert_policy_failed(&violation, &["TicketingRule"], Rule::V2);
}

#[test]
fn v2_a_required_ticket_without_its_system_is_refused_naming_ticketing_rule() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.ticket = true
    });
    let mut input = self_activate(group, alice);
    input.ticket = ticket(Some("CHG-1042"), None);
    let violation = refused(&f, alice, t0(), input);
    assert_policy_failed(&violation, &["TicketingRule"], Rule::V2);
}

#[test]
fn v2_a_required_ticket_with_number_and_system_is_accepted() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.ticket = true
    });
    let mut input = self_activate(group, alice);
    input.ticket = ticket(Some("CHG-1042"), Some("ServiceNow"));
    let (decision, request) = decide(&f, alice, t0(), input).unwrap();
    assert_eq!(request.ticket, ticket(Some("CHG-1042"), Some("ServiceNow")));
    assert_eq!(
        decision.audit[0].ticket.as_deref(),
        Some("ServiceNow:CHG-1042")
    );
}

#[test]
fn v2_required_mfa_without_a_fresh_mfa_is_refused_naming_mfa_rule() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.mfa = true
    });
    let violation = refused(&f, alice, t0(), self_activate(group, alice));
    assert_policy_failed(&violation, &["MfaRule"], Rule::V2);
}

#[test]
fn v2_an_mfa_older_than_ten_minutes_does_not_count() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.mfa = true
    });
    let ctx = f
        .context(alice, t0())
        .with_mfa(Some(t0() - minutes(11)), minutes(10));
    let violation = decide_in(&f, &ctx, self_activate(group, alice)).unwrap_err();
    assert_policy_failed(&violation, &["MfaRule"], Rule::V2);
}

#[test]
fn v2_a_fresh_mfa_satisfies_the_mfa_rule() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.mfa = true
    });
    let ctx = f
        .context(alice, t0())
        .with_mfa(Some(t0() - minutes(2)), minutes(10));
    assert!(decide_in(&f, &ctx, self_activate(group, alice)).is_ok());
}

#[test]
fn v2_every_missing_requirement_is_named_in_one_error() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.policy(group, Access::Member, |s| {
        s.activation_requirements.ticket = true;
        s.activation_requirements.mfa = true;
    });
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).without_justification(),
    );
    assert_policy_failed(
        &violation,
        &["JustificationRule", "TicketingRule", "MfaRule"],
        Rule::V2,
    );
}

#[test]
fn v2_a_justification_of_501_characters_is_refused_as_invalid() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let mut input = self_activate(group, alice);
    input.justification = Some("é".repeat(501));
    let violation = refused(&f, alice, t0(), input);
    assert_eq!(violation.code, ErrorCode::InvalidRoleAssignmentRequest);
    assert_eq!(violation.field, Some("justification"));
}

#[test]
fn v2_a_justification_of_500_characters_is_accepted() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let mut input = self_activate(group, alice);
    input.justification = Some("é".repeat(500));
    assert!(decide(&f, alice, t0(), input).is_ok());
}

#[test]
fn v2_validation_only_grants_without_creating_anything() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let (decision, request) = decide(
        &f,
        alice,
        t0(),
        self_activate(group, alice).validation_only(),
    )
    .unwrap();
    assert_eq!(request.status, RequestStatus::Granted);
    assert!(request.is_validation_only);
    assert_eq!(decision, Decision::new());
}

#[test]
fn v2_validation_only_still_reports_what_is_missing() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice)
            .without_justification()
            .validation_only(),
    );
    assert_policy_failed(&violation, &["JustificationRule"], Rule::V2);
}

// V5: deactivate.

fn deactivation(group: GroupId, user: UserId) -> RequestInput {
    self_activate(group, user).with_action(RequestAction::SelfDeactivate)
}

#[test]
fn v5_deactivating_within_five_minutes_of_the_start_is_refused() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    commit(&mut f, alice, t0(), self_activate(group, alice));
    let violation = refused(
        &f,
        alice,
        t0() + minutes(5) - seconds(1),
        deactivation(group, alice),
    );
    assert_eq!(violation.code, ErrorCode::ActiveDurationTooShort);
    assert_eq!(violation.rule, Some(Rule::V5));
}

#[test]
fn v5_deactivating_after_five_minutes_ends_the_activation_now() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let activation = commit(&mut f, alice, t0(), self_activate(group, alice));
    let at = t0() + minutes(30);
    let (decision, request) = decide(&f, alice, at, deactivation(group, alice)).unwrap();
    assert_eq!(request.status, RequestStatus::Revoked);
    assert_eq!(request.action, RequestAction::SelfDeactivate);
    assert_eq!(request.target_schedule_id, activation.target_schedule_id);
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    let ended = schedules[0].ended.expect("the activation ended");
    assert_eq!(ended.at, at);
    assert_eq!(ended.reason, EndReason::Deactivated);
    assert_eq!(decision.actions(), vec!["request.selfDeactivate"]);
    f.commit(decision);
    assert!(!f.state.is_effective_member(alice.into(), group, at));
}

#[test]
fn v5_deactivating_without_an_activation_is_refused_as_does_not_exist() {
    let Setup {
        f, alice, group, ..
    } = setup();
    let violation = refused(&f, alice, t0(), deactivation(group, alice));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn v5_an_active_assignment_made_by_an_administrator_cannot_be_self_deactivated() {
    let Setup { mut f, group, .. } = setup();
    let bob = f.user("bob");
    f.member(group, bob);
    let violation = refused(&f, bob, t0(), deactivation(group, bob));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert!(f.state.is_effective_member(bob.into(), group, t0()));
}

// V6: through a group.

struct Nested {
    f: Fixture,
    /// Active member of `tier`.
    ursula: UserId,
    /// The group that is an eligible member of `finance`.
    tier: GroupId,
    /// A's eligibility in `finance`.
    eligibility: ScheduleId,
    finance: GroupId,
}

fn nested() -> Nested {
    let mut f = Fixture::new();
    let ursula = f.user("ursula");
    let tier = f.group("Tier 1");
    let finance = f.group("Finance");
    f.managed(finance);
    f.member(tier, ursula);
    let eligibility = f.eligible_member(finance, tier);
    Nested {
        f,
        ursula,
        tier,
        eligibility,
        finance,
    }
}

#[test]
fn v6_a_member_of_an_eligible_group_activates_for_themselves_as_member_type_group() {
    let Nested {
        f,
        ursula,
        eligibility,
        finance,
        ..
    } = nested();
    let (decision, request) = decide(&f, ursula, t0(), self_activate(finance, ursula)).unwrap();
    let schedules = decision.schedules();
    assert_eq!(schedules.len(), 1);
    assert_eq!(schedules[0].principal_id, ursula.into());
    assert_eq!(schedules[0].member_type, MemberType::Group);
    assert_eq!(schedules[0].assignment_type, AssignmentType::Activated);
    let source = request.activated_using.expect("the eligibility used");
    assert_eq!(source.eligibility, eligibility);
    assert_eq!(source.member_type, MemberType::Group);
}

#[test]
fn v6_the_activating_member_becomes_a_member_of_the_target_group() {
    let Nested {
        mut f,
        ursula,
        finance,
        ..
    } = nested();
    commit(&mut f, ursula, t0(), self_activate(finance, ursula));
    assert!(f
        .state
        .is_effective_member(ursula.into(), finance, t0() + hours(1)));
}

#[test]
fn v6_the_other_members_of_the_eligible_group_gain_nothing() {
    let Nested {
        mut f,
        ursula,
        tier,
        finance,
        ..
    } = nested();
    let victor = f.user("victor");
    f.member(tier, victor);
    commit(&mut f, ursula, t0(), self_activate(finance, ursula));
    assert!(!f
        .state
        .is_effective_member(victor.into(), finance, t0() + hours(1)));
    assert!(!f
        .state
        .is_effective_member(tier.into(), finance, t0() + hours(1)));
}

#[test]
fn v6_a_user_outside_the_eligible_group_is_refused_naming_eligibility_rule() {
    let Nested { mut f, finance, .. } = nested();
    let walter = f.user("walter");
    let violation = refused(&f, walter, t0(), self_activate(finance, walter));
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

#[test]
fn v6_ownership_cannot_be_activated_through_a_group() {
    let Nested {
        mut f,
        ursula,
        tier,
        finance,
        ..
    } = nested();
    f.schedule(
        finance,
        tier,
        Access::Owner,
        ScheduleKind::Eligible,
        window(t0() - days(1), t0() + days(30)),
    );
    let violation = refused(
        &f,
        ursula,
        t0(),
        self_activate(finance, ursula).for_access(Access::Owner),
    );
    assert_policy_failed(&violation, &["EligibilityRule"], Rule::V1);
}

// V7: on time.

#[test]
fn v7_after_the_end_of_an_activation_nobody_is_a_member_without_a_scheduler_tick() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let request = commit(&mut f, alice, t0(), self_activate(group, alice));
    let end = t0() + hours(2);
    assert!(f
        .state
        .is_effective_member(alice.into(), group, end - seconds(1)));
    assert!(!f.state.is_effective_member(alice.into(), group, end));
    let schedule = f.schedule_of(request.target_schedule_id.unwrap());
    assert_eq!(schedule.ended, None, "no tidy-up ran");
}

#[test]
fn v7_a_scheduled_activation_takes_effect_at_its_start() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    let start = t0() + hours(3);
    commit(
        &mut f,
        alice,
        t0(),
        self_activate(group, alice).starting(start),
    );
    assert!(!f
        .state
        .is_effective_member(alice.into(), group, start - seconds(1)));
    assert!(f.state.is_effective_member(alice.into(), group, start));
}

// V8: one at a time.

#[test]
fn v8_activating_while_active_is_refused_as_exists() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    commit(&mut f, alice, t0(), self_activate(group, alice));
    let violation = refused(&f, alice, t0() + hours(1), self_activate(group, alice));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
    assert_eq!(violation.rule, Some(Rule::V8));
}

#[test]
fn v8_activating_over_a_scheduled_activation_is_refused_as_exists() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    commit(
        &mut f,
        alice,
        t0(),
        self_activate(group, alice).starting(t0() + hours(3)),
    );
    let violation = refused(
        &f,
        alice,
        t0(),
        self_activate(group, alice).lasting(hours(4)),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
}

#[test]
fn v8_activating_while_an_active_assignment_is_in_force_is_refused_as_exists() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.member(group, alice);
    let violation = refused(&f, alice, t0(), self_activate(group, alice));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentExists);
}

#[test]
fn v8_activating_again_after_the_activation_ended_is_allowed() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    commit(&mut f, alice, t0(), self_activate(group, alice));
    assert!(decide(&f, alice, t0() + hours(2), self_activate(group, alice)).is_ok());
}

#[test]
fn v8_activating_while_a_request_is_pending_is_refused_as_pending() {
    let Setup {
        mut f,
        admin,
        alice,
        group,
        ..
    } = setup();
    require_approval(&mut f, group, admin);
    let first = commit(&mut f, alice, t0(), self_activate(group, alice));
    assert_eq!(first.status, RequestStatus::PendingApproval);
    let violation = refused(&f, alice, t0() + minutes(1), self_activate(group, alice));
    assert_eq!(violation.code, ErrorCode::PendingRoleAssignmentRequest);
    assert_eq!(violation.rule, Some(Rule::V8));
}

// E1: self extend.

/// Bob's `kind` membership of `group`, from 80 days ago until `end`.
fn assignment_until(
    f: &mut Fixture,
    group: GroupId,
    kind: ScheduleKind,
    end: DateTime<Utc>,
) -> (UserId, ScheduleId) {
    let bob = f.user("bob");
    let id = f.schedule(
        group,
        bob,
        Access::Member,
        kind,
        window(t0() - days(80), end),
    );
    (bob, id)
}

fn extension(group: GroupId, user: UserId, kind: ScheduleKind) -> RequestInput {
    request(RequestAction::SelfExtend, kind, group, user, Access::Member)
}

fn renewal(group: GroupId, user: UserId, kind: ScheduleKind) -> RequestInput {
    request(RequestAction::SelfRenew, kind, group, user, Access::Member)
}

#[test]
fn e1_self_extend_of_an_eligibility_ending_within_14_days_asks_the_group_administrators() {
    let Setup { mut f, group, .. } = setup();
    let (bob, eligibility) =
        assignment_until(&mut f, group, ScheduleKind::Eligible, t0() + days(10));
    let (decision, request) =
        decide(&f, bob, t0(), extension(group, bob, ScheduleKind::Eligible)).unwrap();
    assert_eq!(request.status, RequestStatus::PendingApproval);
    assert_eq!(request.completed_at, None);
    assert_eq!(request.target_schedule_id, Some(eligibility));
    let approval = request.approval.as_ref().expect("an approval");
    assert!(approval.by_group_administrators);
    assert!(approval.approvers.is_empty());
    assert_eq!(approval.decision, None);
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.actions(), vec!["request.selfExtend"]);
}

#[test]
fn e1_an_active_assignment_ending_within_14_days_can_be_extended_too() {
    let Setup { mut f, group, .. } = setup();
    let (bob, assignment) = assignment_until(&mut f, group, ScheduleKind::Active, t0() + days(14));
    let (_, request) = decide(&f, bob, t0(), extension(group, bob, ScheduleKind::Active)).unwrap();
    assert_eq!(request.status, RequestStatus::PendingApproval);
    assert_eq!(request.target_schedule_id, Some(assignment));
}

#[test]
fn e1_self_extend_of_an_assignment_ending_in_20_days_is_refused_as_does_not_exist() {
    let Setup { mut f, group, .. } = setup();
    let (bob, _) = assignment_until(&mut f, group, ScheduleKind::Eligible, t0() + days(20));
    let violation = refused(&f, bob, t0(), extension(group, bob, ScheduleKind::Eligible));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::E1));
}

#[test]
fn e1_self_extend_of_an_activation_is_refused_as_does_not_exist() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    commit(&mut f, alice, t0(), self_activate(group, alice));
    let violation = refused(
        &f,
        alice,
        t0() + minutes(10),
        extension(group, alice, ScheduleKind::Active),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

#[test]
fn e1_a_second_extension_while_one_is_pending_is_refused_as_pending() {
    let Setup { mut f, group, .. } = setup();
    let (bob, _) = assignment_until(&mut f, group, ScheduleKind::Eligible, t0() + days(10));
    commit(
        &mut f,
        bob,
        t0(),
        extension(group, bob, ScheduleKind::Eligible),
    );
    let violation = refused(
        &f,
        bob,
        t0() + minutes(1),
        extension(group, bob, ScheduleKind::Eligible),
    );
    assert_eq!(violation.code, ErrorCode::PendingRoleAssignmentRequest);
}

// E2: self renew.

#[test]
fn e2_self_renew_of_an_assignment_that_ended_10_days_ago_asks_the_group_administrators() {
    let Setup { mut f, group, .. } = setup();
    let (bob, eligibility) =
        assignment_until(&mut f, group, ScheduleKind::Eligible, t0() - days(10));
    let (decision, request) =
        decide(&f, bob, t0(), renewal(group, bob, ScheduleKind::Eligible)).unwrap();
    assert_eq!(request.status, RequestStatus::PendingApproval);
    assert_eq!(request.target_schedule_id, Some(eligibility));
    assert!(request.approval.as_ref().unwrap().by_group_administrators);
    assert!(decision.schedules().is_empty());
    assert_eq!(decision.actions(), vec!["request.selfRenew"]);
}

#[test]
fn e2_self_renew_of_an_assignment_that_ended_31_days_ago_is_refused_as_does_not_exist() {
    let Setup { mut f, group, .. } = setup();
    let (bob, _) = assignment_until(&mut f, group, ScheduleKind::Eligible, t0() - days(31));
    let violation = refused(&f, bob, t0(), renewal(group, bob, ScheduleKind::Eligible));
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
    assert_eq!(violation.rule, Some(Rule::E2));
}

#[test]
fn e2_self_renew_while_an_assignment_is_in_force_is_refused_as_does_not_exist() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.schedule(
        group,
        alice,
        Access::Member,
        ScheduleKind::Eligible,
        window(t0() - days(100), t0() - days(10)),
    );
    let violation = refused(
        &f,
        alice,
        t0(),
        renewal(group, alice, ScheduleKind::Eligible),
    );
    assert_eq!(violation.code, ErrorCode::RoleAssignmentDoesNotExist);
}

// D1: a disabled user.

#[test]
fn d1_a_disabled_user_cannot_activate() {
    let Setup {
        mut f,
        alice,
        group,
        ..
    } = setup();
    f.disable(alice);
    let violation = refused(&f, alice, t0(), self_activate(group, alice));
    assert_eq!(violation.code, ErrorCode::AuthorizationRequestDenied);
    assert_eq!(violation.rule, Some(Rule::D1));
}

#[test]
fn d1_a_disabled_user_cannot_activate_through_a_group() {
    let Nested {
        mut f,
        ursula,
        finance,
        ..
    } = nested();
    f.disable(ursula);
    assert!(decide(&f, ursula, t0(), self_activate(finance, ursula)).is_err());
}
