//! One assignment model for what PIM assigns over time: group membership and ownership (a
//! [`Schedule`], decided in [`crate::rules::assignments`], [`crate::rules::activation`] and
//! [`crate::rules::approval`]) and directory roles (a [`RoleAssignment`], decided in
//! [`crate::rules::roles`] and [`crate::rules::role_activation`]).
//!
//! The window a request asks for, the five-minute rule (A2, A3, V5), overlap (A8, V8), extension
//! (A7, E3) and renewal (A10, E2) are decided here once for both. Where the families word a message
//! differently, the family passes its words; the error codes are the same.

use chrono::{DateTime, TimeDelta, Utc};

use crate::directory::RoleAssignment;
use crate::ids::{PrincipalId, RequestId, RoleAssignmentId, ScheduleId, UserId};
use crate::request::{
    Expiration, GroupAccess, RequestAction, RequestStatus, RequestTarget, RequestedSchedule,
    ScheduleRequest, TicketInfo,
};
use crate::rules::Context;
use crate::schedule::{EndReason, Ended, Schedule, ScheduleKind, Window};
use crate::spec::Rule;
use crate::violation::{ErrorCode, PolicyRule, Violation};

/// A2, A3, V5: the shortest assignment, and the shortest time before one may be removed or ended.
pub const MINIMUM_LENGTH: TimeDelta = TimeDelta::minutes(5);
/// A10, E2: how long after its end an assignment stays renewable.
pub const RENEWAL_WINDOW: TimeDelta = TimeDelta::days(30);

/// What is assigned over time: a group schedule or a directory role assignment.
pub trait Assigned: Clone {
    type Id: Copy + Ord;
    /// The order in which assignments were made: when, then the id.
    fn made(&self) -> (DateTime<Utc>, Self::Id);
    /// The planned window.
    fn planned(&self) -> Window;
    /// The window actually in force: the planned one, cut short where it stopped early.
    fn in_force(&self) -> Window;
    /// Replaced by a newer one that carries it on (A7), so it no longer counts on its own. A
    /// replaced role assignment is removed instead.
    fn is_superseded(&self) -> bool {
        false
    }
    /// A copy that stopped at `at` for `reason`.
    fn ended_at(&self, at: DateTime<Utc>, reason: EndReason) -> Self;
}

/// The parts of [`Assigned`] that a schedule and a role assignment hold under the same names.
macro_rules! assigned_fields {
    () => {
        fn made(&self) -> (DateTime<Utc>, Self::Id) {
            (self.created_at, self.id)
        }

        fn planned(&self) -> Window {
            self.window
        }

        fn in_force(&self) -> Window {
            self.effective_window()
        }
    };
}

impl Assigned for Schedule {
    type Id = ScheduleId;
    assigned_fields!();

    fn is_superseded(&self) -> bool {
        matches!(
            self.ended,
            Some(Ended {
                reason: EndReason::Superseded,
                ..
            })
        )
    }

    fn ended_at(&self, at: DateTime<Utc>, reason: EndReason) -> Schedule {
        let mut ended = self.clone();
        ended.ended = Some(Ended { at, reason });
        ended.modified_at = at;
        ended
    }
}

impl Assigned for RoleAssignment {
    type Id = RoleAssignmentId;
    assigned_fields!();

    /// A role assignment records when it stopped, not why.
    fn ended_at(&self, at: DateTime<Utc>, _reason: EndReason) -> RoleAssignment {
        let mut ended = self.clone();
        ended.removed_at = Some(at);
        ended
    }
}

/// A schedule request as received, before any rule has looked at it: for a group's access
/// ([`RequestInput`]) or a directory role ([`RoleRequestInput`](crate::rules::roles::RoleRequestInput)).
#[derive(Clone, Debug)]
pub struct RequestInput<T = GroupAccess> {
    pub kind: ScheduleKind,
    pub action: RequestAction,
    pub principal_id: PrincipalId,
    pub target: T,
    pub schedule: Option<RequestedSchedule>,
    pub justification: Option<String>,
    pub ticket: Option<TicketInfo>,
    pub is_validation_only: bool,
}

/// The request `input` makes as the caller's, `Provisioned` now, for `target_schedule_id` from
/// `start`; a family changes what its action makes otherwise.
pub(crate) fn new_request<T: RequestTarget + Copy>(
    ctx: &Context,
    input: &RequestInput<T>,
    id: RequestId,
    target_schedule_id: Option<T::ScheduleId>,
    start: DateTime<Utc>,
) -> ScheduleRequest<T> {
    ScheduleRequest {
        id,
        kind: input.kind,
        action: input.action,
        principal_id: input.principal_id,
        target: input.target,
        status: RequestStatus::Provisioned,
        created_at: ctx.now,
        completed_at: Some(ctx.now),
        created_by: ctx.caller.user,
        justification: input.justification.clone(),
        ticket: input.ticket.clone(),
        schedule: input.schedule,
        resolved_start: Some(start),
        target_schedule_id,
        is_validation_only: input.is_validation_only,
        activated_using: None,
        approval: None,
    }
}

/// The window an administrator asks for: from `default_start` unless the request names a start,
/// never before `earliest` (a start in the past means "now", as Graph normalises it).
pub fn resolve_window(
    input: &RequestInput<impl Sized>,
    default_start: DateTime<Utc>,
    earliest: DateTime<Utc>,
) -> Result<Window, Violation> {
    let schedule = input.schedule.ok_or_else(|| {
        Violation::new(
            ErrorCode::InvalidRoleAssignmentRequest,
            format!(
                "'{}' needs scheduleInfo with a startDateTime and an expiration.",
                input.action
            ),
        )
        .field("scheduleInfo")
    })?;
    let start = schedule.start.unwrap_or(default_start).max(earliest);
    let end = match schedule.expiration {
        Expiration::NotSpecified | Expiration::NoExpiration => None,
        Expiration::AfterDateTime(end) if end <= start => return Err(end_before_start()),
        Expiration::AfterDateTime(end) => Some(end),
        Expiration::AfterDuration(duration) => start.checked_add_signed(duration.as_delta()),
    };
    Ok(Window { start, end })
}

fn end_before_start() -> Violation {
    Violation::new(
        ErrorCode::InvalidRoleAssignmentRequest,
        "scheduleInfo.expiration.endDateTime must be after the start.",
    )
    .field("scheduleInfo.expiration.endDateTime")
}

/// V1: an activation starts when asked, never in the past.
pub(crate) fn activation_start(
    input: &RequestInput<impl Sized>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    input
        .schedule
        .and_then(|schedule| schedule.start)
        .unwrap_or(now)
        .max(now)
}

/// V1, A2: an activation from `start` lasts as asked or `maximum`, never more than `maximum`
/// (`too_long` says so), never past `eligible_until`, and at least five minutes.
pub(crate) fn activation_window(
    input: &RequestInput<impl Sized>,
    start: DateTime<Utc>,
    maximum: TimeDelta,
    too_long: &str,
    eligible_until: Option<DateTime<Utc>>,
) -> Result<Window, Violation> {
    let expiration = input
        .schedule
        .map_or(Expiration::NotSpecified, |s| s.expiration);
    let end = match expiration {
        Expiration::AfterDuration(duration) => start + duration.as_delta(),
        Expiration::AfterDateTime(end) if end <= start => return Err(end_before_start()),
        Expiration::AfterDateTime(end) => end,
        Expiration::NoExpiration | Expiration::NotSpecified => start + maximum,
    };
    if end - start > maximum {
        return Err(
            Violation::policy_failed(&[PolicyRule::ExpirationRule], too_long).rule(Rule::V1),
        );
    }
    let end = eligible_until.map_or(end, |until| end.min(until));
    if end - start < MINIMUM_LENGTH {
        return Err(too_short(
            "An activation must last at least 5 minutes (and the eligibility must last that long)."
                .into(),
        )
        .rule(Rule::A2));
    }
    Ok(Window {
        start,
        end: Some(end),
    })
}

/// A2: an assignment lasts at least five minutes; `what` names it ("An assignment").
pub(crate) fn check_minimum_length(window: &Window, what: &str) -> Result<(), Violation> {
    if window
        .length()
        .is_some_and(|length| length < MINIMUM_LENGTH)
    {
        return Err(too_short(format!("{what} must last at least 5 minutes.")).rule(Rule::A2));
    }
    Ok(())
}

/// A3: no assignment is removed within five minutes of being made; `what` names it.
pub(crate) fn check_removable<T: Assigned>(
    open: &[&T],
    now: DateTime<Utc>,
    what: &str,
) -> Result<(), Violation> {
    match still_young(open.iter().map(|a| a.made().0), now) {
        Some(wait) => Err(too_short(format!(
            "{what} cannot be removed within 5 minutes of being made; try again in {wait} seconds."
        ))
        .rule(Rule::A3)),
        None => Ok(()),
    }
}

/// V5: no activation is ended within five minutes of its start.
pub(crate) fn check_deactivatable<T: Assigned>(
    activations: &[&T],
    now: DateTime<Utc>,
) -> Result<(), Violation> {
    let started = activations
        .iter()
        .map(|a| a.planned().start)
        .filter(|start| *start <= now);
    match still_young(started, now) {
        Some(wait) => Err(too_short(format!(
            "An activation cannot be ended within 5 minutes of its start; try again in {wait} seconds."
        ))
        .rule(Rule::V5)),
        None => Ok(()),
    }
}

/// The seconds (at least one) to wait until the first of `since` is five minutes old, if one is
/// younger.
fn still_young(mut since: impl Iterator<Item = DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    since
        .find(|at| now - *at < MINIMUM_LENGTH)
        .map(|at| (MINIMUM_LENGTH - (now - at)).num_seconds().max(1))
}

/// The error of every five-minute rule, with what to change after Graph's own words.
pub(crate) fn too_short(message: String) -> Violation {
    Violation::new(
        ErrorCode::ActiveDurationTooShort,
        format!("The Active duration is too short. Minimum required is 5 minutes. {message}"),
    )
}

/// A7, E3: an extension ends later than what it extends, and a permanent one cannot be extended.
/// The error carries `message` and `field`; the caller names its rule.
pub(crate) fn check_extends(
    old_end: Option<DateTime<Utc>>,
    new_end: Option<DateTime<Utc>>,
    message: &'static str,
    field: &'static str,
) -> Result<(), Violation> {
    let extends = match (old_end, new_end) {
        (Some(old), Some(new)) => new > old,
        (Some(_), None) => true,
        (None, _) => false,
    };
    if extends {
        return Ok(());
    }
    Err(Violation::new(ErrorCode::InvalidRoleAssignmentRequest, message).field(field))
}

/// A7: the window of what replaces `current` (`adminUpdate`, `adminExtend`): from `current`'s
/// start unless the request names one, and not before now unless `current` started earlier. An
/// extension ends later than `current` (`not_later` says so in the family's words).
pub(crate) fn replacement_window(
    input: &RequestInput<impl Sized>,
    current: &impl Assigned,
    now: DateTime<Utc>,
    not_later: &'static str,
) -> Result<Window, Violation> {
    let start = current.planned().start;
    let window = resolve_window(input, start, now.min(start))?;
    if input.action == RequestAction::AdminExtend {
        check_extends(
            current.planned().end,
            window.end,
            not_later,
            "scheduleInfo.expiration",
        )
        .map_err(|violation| violation.rule(Rule::A7))?;
    }
    Ok(window)
}

/// A8, V8: whether one of `existing`, other than `replacing` and not superseded, is in force at a
/// time of `window`.
pub(crate) fn overlaps_any<'a, T: Assigned + 'a>(
    existing: impl Iterator<Item = &'a T>,
    window: &Window,
    replacing: Option<T::Id>,
) -> bool {
    existing
        .filter(|a| Some(a.made().1) != replacing && !a.is_superseded())
        .any(|a| a.in_force().overlaps(window))
}

/// The newest of `assigned`.
pub(crate) fn latest<'a, T: Assigned + 'a>(assigned: impl Iterator<Item = &'a T>) -> Option<&'a T> {
    assigned.max_by_key(|a| a.made())
}

/// Each of `assigned`, stopped at `at` for `reason`.
pub(crate) fn end_all<T: Assigned>(
    assigned: Vec<&T>,
    at: DateTime<Utc>,
    reason: EndReason,
) -> Vec<T> {
    assigned
        .into_iter()
        .map(|a| a.ended_at(at, reason))
        .collect()
}

/// A10, E2: whether `assigned` ended by `now`, at most [`RENEWAL_WINDOW`] ago.
pub(crate) fn ended_within_renewal(assigned: &impl Assigned, now: DateTime<Utc>) -> bool {
    let window = assigned.in_force();
    window.has_ended_by(now) && window.end.is_some_and(|end| now - end <= RENEWAL_WINDOW)
}

/// V1, V5: activating and deactivating are asked on requests for active assignments
/// (`active_requests`), not on `eligible_requests`.
pub(crate) fn require_active_kind(
    input: &RequestInput<impl Sized>,
    active_requests: &str,
    eligible_requests: &str,
) -> Result<(), Violation> {
    if input.kind == ScheduleKind::Active {
        return Ok(());
    }
    Err(Violation::bad_request(
        "action",
        format!(
            "'{}' is made on {active_requests}, not {eligible_requests}.",
            input.action
        ),
    ))
}

/// V1: nothing lets the caller activate `what` ("Member of this group", "Global Administrator at
/// scope /") at that time; `why_not` adds what the family checked.
pub(crate) fn not_eligible(what: &str, why_not: &str) -> Violation {
    Violation::policy_failed(
        &[PolicyRule::EligibilityRule],
        &format!("You are not eligible for {what} at that time{why_not}."),
    )
    .rule(Rule::V1)
}

/// V8: the caller already holds `what` for an overlapping time.
pub(crate) fn already_held(what: &str) -> Violation {
    Violation::new(
        ErrorCode::RoleAssignmentExists,
        format!("The Role assignment already exists: you already hold {what} at that time."),
    )
    .rule(Rule::V8)
}

/// V5: the caller has no activation of `what` ("Member in this group") to end.
pub(crate) fn no_activation(what: &str) -> Violation {
    Violation::new(
        ErrorCode::RoleAssignmentDoesNotExist,
        format!("You have no activation of {what} to deactivate."),
    )
    .rule(Rule::V5)
}

/// Self-service acts for the caller alone.
pub(crate) fn require_own(
    input: &RequestInput<impl Sized>,
    caller: UserId,
) -> Result<(), Violation> {
    if input.principal_id == caller.into() {
        return Ok(());
    }
    Err(Violation::forbidden(format!(
        "'{}' acts for the caller only: principalId must be your own id.",
        input.action
    ))
    .field("principalId"))
}
